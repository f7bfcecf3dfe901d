using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults.Data;

namespace DigiUsher.DataSource.DataSources;

/// <summary>The answer of <c>GET /api/v1/data-sources/{id}/status</c>.</summary>
public sealed record DataSourceStatus(
    Guid DataSourceId,
    ValidationStatus? Validation,
    PollStatus? LastPoll,
    DeliverySeen? LastDelivery,
    IReadOnlyList<BillingPeriodImports> Imports,
    DiscoveryStatus? LastDiscovery)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="row">The data source.</param>
    /// <param name="poll">Its last poll, if any.</param>
    /// <param name="imports">Its deliveries' imports.</param>
    /// <param name="discovery">Its last discovery run, if any.</param>
    /// <param name="showReplica">Whether the reader may see which parser replica holds a loading import (admins).</param>
    public static DataSourceStatus From(DataSourceRow row, PollStatusRow? poll, IReadOnlyList<ImportStatusRow> imports, DiscoveryStatusRow? discovery, bool showReplica)
    {
        var validation = ValidationJson.Read(row.Validation);
        var states = imports.ToDictionary(i => i, i => StatusText.Parse<ImportState>(i.State));
        var deliveries = imports.Select(i => new DeliveryImport(
            i.DeliveryId,
            i.ImportId,
            states[i],
            i.Rows,
            i.Files,
            i.Totals is null ? null : JsonSerializer.Deserialize<IReadOnlyList<CurrencyTotals>>(i.Totals, Json),
            i.IsFinal,
            i.Error is null ? null : new ImportError(i.Error, i.ErrorFile, i.ErrorRow, i.Transient ?? false),
            i.UpdatedAt,
            states[i] == ImportState.Started && i.ProgressAt is { } at
                ? new ImportProgress(i.FilesDone ?? 0, i.Files ?? 0, i.Rows ?? 0, i.RowsPerSecond ?? 0, i.StartedAt, i.ExpectedEndAt, showReplica ? i.Replica : null, at)
                : null)).ToList();
        var latest = imports.OrderByDescending(i => i.UpdatedAt).FirstOrDefault();
        return new DataSourceStatus(
            row.Id,
            validation is null ? null : new ValidationStatus(
                validation.CheckedAt, validation.Outcome, validation.BillingAccess, validation.MissingActions,
                validation.DisabledFeatures, validation.Warnings, validation.Error),
            poll is null ? null : new PollStatus(
                poll.LastPollAt, poll.Succeeded, poll.ReportName, poll.BillingPeriods, poll.DeliveriesFound, poll.LastSuccessAt,
                poll.Succeeded ? null : new PollError(poll.Error ?? "The poll failed.", poll.DeniedAction)),
            poll?.LatestDeliveryId is { } seen
                ? new DeliverySeen(seen, poll.LastSuccessAt)
                : latest is null ? null : new DeliverySeen(latest.DeliveryId, latest.UpdatedAt),
            [.. imports.GroupBy(i => i.BillingPeriod)
                .OrderByDescending(g => g.Key, StringComparer.Ordinal)
                .Select(g => new BillingPeriodImports(
                    g.Key,
                    g.Where(i => states[i] == ImportState.Imported).OrderByDescending(i => i.UpdatedAt).Select(i => i.DeliveryId).FirstOrDefault(),
                    [.. deliveries.Where(d => g.Any(i => i.DeliveryId == d.DeliveryId)).OrderByDescending(d => d.UpdatedAt)]))],
            discovery is null ? null : new DiscoveryStatus(
                discovery.RunId,
                discovery.Succeeded,
                discovery.AccountId,
                discovery.FinishedAt,
                discovery.Counts is null ? null : JsonSerializer.Deserialize<Dictionary<string, int>>(discovery.Counts, Json),
                discovery.Skipped is null ? [] : JsonSerializer.Deserialize<List<DiscoverySkip>>(discovery.Skipped, Json) ?? [],
                discovery.Error));
    }
}

/// <summary>The last validation, without the per-permission detail (that is on the data source).</summary>
public sealed record ValidationStatus(
    DateTimeOffset CheckedAt,
    string Outcome,
    bool BillingAccess,
    IReadOnlyList<string> MissingActions,
    IReadOnlyList<string> DisabledFeatures,
    IReadOnlyList<string> Warnings,
    string? Error);

/// <summary>The last poll of the report bucket.</summary>
public sealed record PollStatus(
    DateTimeOffset At,
    bool Succeeded,
    string? ReportName,
    int? BillingPeriods,
    int? DeliveriesFound,
    DateTimeOffset? LastSuccessAt,
    PollError? Error);

/// <summary>Why the last poll failed.</summary>
public sealed record PollError(string Reason, string? DeniedAction);

/// <summary>The newest delivery seen.</summary>
public sealed record DeliverySeen(string DeliveryId, DateTimeOffset? SeenAt);

/// <summary>The deliveries of one billing period and which one is current.</summary>
public sealed record BillingPeriodImports(string BillingPeriod, string? CurrentDeliveryId, IReadOnlyList<DeliveryImport> Deliveries);

/// <summary>One delivery's import.</summary>
public sealed record DeliveryImport(
    string DeliveryId,
    Guid? ImportId,
    ImportState State,
    long? Rows,
    int? Files,
    IReadOnlyList<CurrencyTotals>? Totals,
    bool? IsFinal,
    ImportError? Error,
    DateTimeOffset UpdatedAt,
    ImportProgress? Progress);

/// <summary>A loading import's progress, as its parser last reported it (every few seconds).</summary>
/// <param name="FilesDone">Files of the delivery read to their end.</param>
/// <param name="Files">Files of the delivery.</param>
/// <param name="Rows">Rows loaded so far.</param>
/// <param name="RowsPerSecond">Rows loaded per second since the import started.</param>
/// <param name="StartedAt">When the import started.</param>
/// <param name="ExpectedEndAt">When loading is expected to end (from the share of the delivery's bytes read); the swap follows.</param>
/// <param name="Replica">The parser replica holding the delivery (shown to admins only).</param>
/// <param name="ReportedAt">When the parser took this snapshot.</param>
public sealed record ImportProgress(
    int FilesDone,
    int Files,
    long Rows,
    double RowsPerSecond,
    DateTimeOffset? StartedAt,
    DateTimeOffset? ExpectedEndAt,
    string? Replica,
    DateTimeOffset ReportedAt);

/// <summary>Why an import failed, where known down to file and row.</summary>
public sealed record ImportError(string Reason, string? File, long? Row, bool Transient);

/// <summary>The last discovery run.</summary>
public sealed record DiscoveryStatus(
    Guid RunId,
    bool Succeeded,
    string? AccountId,
    DateTimeOffset FinishedAt,
    IReadOnlyDictionary<string, int>? Counts,
    IReadOnlyList<DiscoverySkip> Skipped,
    string? Error);

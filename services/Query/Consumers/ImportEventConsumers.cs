using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Imports;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.Query.Consumers;

public sealed class ReportImportedConsumer(ImportStore imports, DataSourceStore dataSources) : IConsumer<ReportImported>
{
    public async Task Consume(ConsumeContext<ReportImported> context)
    {
        var m = context.Message;
        var period = ImportPeriod.Parse(m.BillingPeriod);
        if (await dataSources.IsRemovedAsync(m.DataSourceId, context.CancellationToken))
        {
            return;
        }

        await imports.UpsertAsync(m, period, context.CancellationToken);
        await imports.EndProgressAsync(m.ImportId, context.CancellationToken);
    }
}

public sealed class ReportImportedConsumerDefinition : RetryingConsumerDefinition<ReportImportedConsumer>;

/// <summary>Keeps <c>GET /api/v1/imports/in-progress</c> current from CurParser's progress snapshots.</summary>
public sealed class ReportImportProgressedConsumer(ImportStore imports, DataSourceStore dataSources) : IConsumer<ReportImportProgressed>
{
    public async Task Consume(ConsumeContext<ReportImportProgressed> context)
    {
        var m = context.Message;
        if (!await dataSources.IsRemovedAsync(m.DataSourceId, context.CancellationToken))
        {
            await imports.ProgressedAsync(m, ImportPeriod.Parse(m.BillingPeriod), context.CancellationToken);
        }
    }
}

public sealed class ReportImportProgressedConsumerDefinition : RetryingConsumerDefinition<ReportImportProgressedConsumer>;

/// <summary>A failed import leaves the list of imports in progress (the previous import stays current).</summary>
public sealed class ReportImportFailedConsumer(ImportStore imports) : IConsumer<ReportImportFailed>
{
    public Task Consume(ConsumeContext<ReportImportFailed> context) =>
        context.Message.ImportId is { } importId ? imports.EndProgressAsync(importId, context.CancellationToken) : Task.CompletedTask;
}

public sealed class ReportImportFailedConsumerDefinition : RetryingConsumerDefinition<ReportImportFailedConsumer>;

/// <summary>
/// Pulls the import's daily rollup from CurParser and swaps it in for its billing period, after
/// checking the pulled sums against the event's totals.
/// </summary>
public sealed partial class CostsImportedConsumer(
    ImportStore imports,
    DataSourceStore dataSources,
    CostPeriodStore costs,
    CurParserClient curParser,
    CostMetrics metrics,
    ILogger<CostsImportedConsumer> logger) : IConsumer<CostsImported>
{
    public async Task Consume(ConsumeContext<CostsImported> context)
    {
        var m = context.Message;
        var period = ImportPeriod.Parse(m.BillingPeriod);
        var cancellationToken = context.CancellationToken;
        if (await dataSources.IsRemovedAsync(m.DataSourceId, cancellationToken))
        {
            return;
        }

        if (await costs.IsCurrentOrNewerLoadedAsync(m.DataSourceId, period, m.ImportedAt, cancellationToken))
        {
            return;
        }

        try
        {
            var result = await costs.ReplaceAsync(m, period, curParser.Import(m.ImportId), cancellationToken);
            metrics.Recorded(result);
            if (result.Outcome == CostLoadOutcome.Mismatch)
            {
                LogMismatch(logger, m.ImportId, m.BillingPeriod, result.Detail);
                await imports.SetCostsStatusAsync(m, period, CostLoadStatus.Mismatch, result.Detail, cancellationToken);
            }
            else if (result.Outcome == CostLoadOutcome.Loaded)
            {
                LogLoaded(logger, m.ImportId, m.BillingPeriod, result.Lines);
            }
        }
        catch (ImportSupersededException)
        {
            await imports.SetCostsStatusAsync(m, period, CostLoadStatus.Superseded, "CurParser replaced this import; a newer one follows.", cancellationToken);
        }
        catch (ImportNotFoundException ex)
        {
            await imports.SetCostsStatusAsync(m, period, CostLoadStatus.Failed, ex.Message, cancellationToken);
            throw new PermanentMessageException(ex.Message, ex);
        }
        catch (InvalidDataException ex)
        {
            await imports.SetCostsStatusAsync(m, period, CostLoadStatus.Failed, ex.Message, cancellationToken);
            throw new PermanentMessageException(ex.Message, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily costs of import {ImportId} ({Period}) loaded: {Lines} lines")]
    private static partial void LogLoaded(ILogger logger, Guid importId, string period, long lines);

    [LoggerMessage(Level = LogLevel.Error, Message = "Daily costs of import {ImportId} ({Period}) not loaded: {Detail}")]
    private static partial void LogMismatch(ILogger logger, Guid importId, string period, string? detail);
}

/// <summary>Fewer, longer retries: a pull is a large streamed transfer.</summary>
public sealed class CostsImportedConsumerDefinition : RetryingConsumerDefinition<CostsImportedConsumer>
{
    protected override TimeSpan[] RetryIntervals { get; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)];
}

internal static class ImportPeriod
{
    public static DateOnly Parse(string billingPeriod) =>
        DateOnly.TryParseExact(billingPeriod, "yyyy-MM", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start)
            ? start
            : throw new PermanentMessageException($"Billing period '{billingPeriod}' is not yyyy-MM.");
}

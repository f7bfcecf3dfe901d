using DigiUsher.Aws;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.Contracts;
using DigiUsher.Cur;
using DigiUsher.Cur.Layout;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Lifecycle;
using Microsoft.Extensions.Options;

namespace DigiUsher.CurPoller.Polling;

/// <summary>What one poll of a data source found.</summary>
/// <param name="ReportName">The report read.</param>
/// <param name="BillingPeriods">Periods looked at.</param>
/// <param name="Published">Deliveries published (new or re-published after a transient import failure).</param>
/// <param name="LatestDeliveryId">The current delivery of the newest period, if consistent.</param>
/// <param name="Skipped">Periods left for the next poll, and why.</param>
public sealed record PollResult(string ReportName, int BillingPeriods, int Published, string? LatestDeliveryId, IReadOnlyList<string> Skipped);

/// <summary>
/// One poll of one data source: find the report (CUR API, else a scan for manifests and data files),
/// list its billing periods, and for each period publish the current delivery if it is new and
/// consistent (manifest, keys, manifest again; listings compared before and after).
/// </summary>
public sealed partial class ReportPoller(
    IDataSourceCredentials credentials,
    AwsClientFactory awsClients,
    ICostAndUsageReportClient costAndUsageReports,
    PollerStore store,
    TimeProvider clock,
    IOptions<CurPollerOptions> options,
    IOptions<DigiUsher.ServiceDefaults.Quotas.TenantQuotas> quotas,
    PollMetrics metrics,
    ILogger<ReportPoller> logger)
{
    public async Task<PollResult> PollAsync(WatchedDataSource source, CancellationToken cancellationToken)
    {
        DataSourceAwsCredentials issued;
        try
        {
            issued = await credentials.GetAsync(source.OrganizationId, source.DataSourceId, cancellationToken);
        }
        catch (CredentialsUnavailableException ex)
        {
            throw new PollFailureException($"No AWS credentials for the data source: {ex.Message}", inner: ex);
        }
        catch (MassTransit.RequestTimeoutException ex)
        {
            throw new PollFailureException("DataSource did not answer the credentials request in time; the next poll retries.", inner: ex);
        }

        if (string.IsNullOrWhiteSpace(source.Bucket))
        {
            throw new PollFailureException("The data source names no report bucket.");
        }

        var region = string.IsNullOrWhiteSpace(source.Region) ? issued.Region : source.Region;
        using var s3 = awsClients.CreateS3(issued.Credentials, region);
        var bucket = new ReportBucket(s3, source.Bucket, region, quotas.Value.With(issued.QuotaOverrides));
        var reportName = source.ReportName ?? await FindReportNameAsync(source, issued, cancellationToken);
        var prefix = CurKeys.NormalizePrefix(source.Prefix);
        var listing = await bucket.ListAsync(CurKeys.ListingPrefix(prefix, reportName), cancellationToken);
        var report = ChooseReport(CurCatalog.Build(listing, prefix), reportName, source, prefix);

        var now = clock.GetUtcNow();
        var oldest = BillingPeriod.Of(DateOnly.FromDateTime(now.UtcDateTime)).AddMonths(1 - options.Value.BackfillMonths);
        // A period an operator asked to re-import is polled even when it is older than the backfill window.
        var reimports = await store.OpenReimportsAsync(source.DataSourceId, cancellationToken);
        var periods = report.Periods.Where(p => p.Period.CompareTo(oldest) >= 0 || reimports.ContainsKey(p.Period.ToString()))
            .OrderByDescending(p => p.Period).ToList();
        var skipped = new List<string>();
        if (report.StatusKey is not null && await IsUpdatingAsync(bucket, report.StatusKey, cancellationToken))
        {
            skipped.Add($"AWS is rewriting the report ({report.StatusKey} says UPDATING)");
            return new PollResult(report.ReportName, periods.Count, 0, null, skipped);
        }

        foreach (var (missing, request) in reimports.Where(r => !periods.Any(p => p.Period.ToString() == r.Key)))
        {
            await store.CloseReimportAsync(request, $"not re-imported: the report holds no delivery of {missing}", cancellationToken);
            skipped.Add($"{missing}: re-import asked, but the report holds no delivery of it");
        }

        var published = 0;
        string? latest = null;
        foreach (var period in periods)
        {
            var outcome = await PollPeriodAsync(source, bucket, report, period, prefix, reimports.GetValueOrDefault(period.Period.ToString()), cancellationToken);
            if (outcome.Delivery is { } delivery && period == periods[0])
            {
                latest = delivery.DeliveryId;
            }

            published += outcome.Published ? 1 : 0;
            if (outcome.Skipped is { } reason)
            {
                skipped.Add($"{period.Period}: {reason}");
            }
        }

        return new PollResult(report.ReportName, periods.Count, published, latest, skipped);
    }

    // reimport: the key of an operator's open re-import request for the period; its current delivery is announced anew.
    private async Task<(ResolvedDelivery? Delivery, bool Published, string? Skipped)> PollPeriodAsync(
        WatchedDataSource source, ReportBucket bucket, CurReport report, CurPeriodListing period, string prefix, string? reimport,
        CancellationToken cancellationToken)
    {
        var manifestObject = period.CurrentManifest;
        var first = await ResolveAsync(bucket, report, period, manifestObject, cancellationToken);
        if (first.Resolution is RejectedDelivery rejected)
        {
            // Recorded once, with one ReportImportFailed; later polls find it recorded and publish nothing.
            if (await store.RejectAsync(source, report.ReportName, rejected, clock.GetUtcNow(), cancellationToken))
            {
                LogRejected(logger, source.DataSourceId, period.Period.ToString(), rejected.DeliveryId, rejected.Reason);
            }

            return (null, false, $"delivery {rejected.DeliveryId} is not imported: {rejected.Reason}");
        }

        if (first.Resolution is not ResolvedDelivery delivery)
        {
            return (null, false, ((IncompleteDelivery)first.Resolution).Reason);
        }

        var key = $"{source.DataSourceId}:{period.Period}:{delivery.DeliveryId}";
        var state = await store.FindDeliveryAsync(source.DataSourceId, period.Period.ToString(), delivery.DeliveryId, cancellationToken);
        var due = state is null ? null : DeliveryLifecycle.DueAnnouncement(state, options.Value.ToRetryPolicy(), clock.GetUtcNow().UtcDateTime);
        if (state is not null && due is null && reimport is null)
        {
            return (delivery, false, null);
        }

        // Overwrite mode replaces files in place: read the keys again and the manifest again, and
        // publish only if nothing moved in between (CUR.md §1.1; the Athena layout is overwrite-only).
        var relisted = new List<CurObject>();
        foreach (var path in period.Objects.Select(o => o.Key.PeriodPath).Distinct(StringComparer.Ordinal))
        {
            relisted.AddRange(await bucket.ListAsync(path, cancellationToken));
        }

        var again = CurCatalog.Build(relisted, prefix)
            .FirstOrDefault(r => r.ReportPath == report.ReportPath && r.Layout == report.Layout)?
            .Periods.FirstOrDefault(p => p.Period == period.Period);
        if (again is null || again.CurrentManifest?.Key != manifestObject?.Key)
        {
            return (null, false, "the delivery changed while it was being read");
        }

        var second = await ResolveAsync(bucket, report, again, again.CurrentManifest, cancellationToken);
        if (second.Resolution is not ResolvedDelivery confirmed || !delivery.IsSameAs(confirmed) || first.ManifestETag != second.ManifestETag)
        {
            return (null, false, "the delivery changed while it was being read");
        }

        var message = new ReportAvailable(
            source.OrganizationId,
            source.DataSourceId,
            key,
            period.Period.ToString(),
            report.ReportName,
            delivery.Format,
            delivery.DeliveryId,
            source.Bucket,
            bucket.Region,
            delivery.ManifestKey,
            delivery.Files.Select(f => new ReportFile(f.Key, f.Size, f.ETag)).ToList(),
            clock.GetUtcNow());
        var done = reimport is not null
            ? await store.PublishReimportAsync(message with { IdempotencyKey = $"{key}:{reimport}", Reimport = true }, reimport, cancellationToken)
            : state is null
                ? await store.PublishNewAsync(message, cancellationToken)
                : await store.RepublishAsync(message, state, due!.Value, cancellationToken);
        if (done)
        {
            metrics.Announced(first: state is null);
            LogPublished(logger, source.DataSourceId, period.Period.ToString(), delivery.DeliveryId, delivery.Files.Count, state is null ? 1 : state.Attempts + 1);
        }

        return (delivery, done, null);
    }

    private async Task<(DeliveryResolution Resolution, string? ManifestETag)> ResolveAsync(
        ReportBucket bucket, CurReport report, CurPeriodListing period, CurObject? manifestObject, CancellationToken cancellationToken)
    {
        var settle = options.Value.OverwriteSettleTime;
        var now = clock.GetUtcNow();
        if (manifestObject is null)
        {
            return (DeliveryResolver.Resolve(report, period, null, bucket.Name, now, settle), null);
        }

        if (await bucket.GetAsync(manifestObject.Key, cancellationToken) is not { } manifest)
        {
            return (new IncompleteDelivery(period.Period, $"the manifest {manifestObject.Key} disappeared while being read"), null);
        }

        // The manifest's own ETag, not the listed one, is what the second read is compared against.
        var read = new ManifestRead(manifestObject with { ETag = manifest.ETag }, manifest.Bytes);
        return (DeliveryResolver.Resolve(report, period, read, bucket.Name, now, settle), read.Object.ETag);
    }

    private static async Task<bool> IsUpdatingAsync(ReportBucket bucket, string statusKey, CancellationToken cancellationToken)
    {
        if (await bucket.GetAsync(statusKey, cancellationToken) is not { } status)
        {
            return false;
        }

        try
        {
            using var stream = new MemoryStream(status.Bytes);
            return await CurDataStatus.ReadAsync(stream, cancellationToken) == CurDataStatus.Updating;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The CUR API names the report written to this bucket and prefix. It is optional: without
    /// cur:DescribeReportDefinitions (or against an endpoint without it, such as moto), the scan decides.
    /// </summary>
    private async Task<string?> FindReportNameAsync(WatchedDataSource source, DataSourceAwsCredentials issued, CancellationToken cancellationToken)
    {
        try
        {
            var definitions = await costAndUsageReports.DescribeReportDefinitionsAsync(issued.Credentials, cancellationToken);
            var prefix = CurKeys.NormalizePrefix(source.Prefix);
            var matching = definitions
                .Where(d => d.S3Bucket == source.Bucket && CurKeys.NormalizePrefix(d.S3Prefix) == prefix)
                .OrderByDescending(d => d.IsCompatible)
                .ToList();
            return matching.Count > 0 ? matching[0].ReportName : null;
        }
        catch (CostAndUsageReportException ex)
        {
            LogCurApiUnavailable(logger, source.DataSourceId, ex.Failure);
            return null;
        }
    }

    private CurReport ChooseReport(IReadOnlyList<CurReport> reports, string? reportName, WatchedDataSource source, string prefix)
    {
        var where = $"s3://{source.Bucket}/{(prefix.Length == 0 ? string.Empty : prefix + "/")}";
        var candidates = reportName is null ? reports : reports.Where(r => r.ReportName == reportName).ToList();
        if (candidates.Count == 0)
        {
            throw new PollFailureException(reportName is null
                ? $"No Cost and Usage Report found under {where}: no manifest or data file in a CUR layout (yyyyMMdd-yyyyMMdd/, year=/month=, or data/BILLING_PERIOD=). Check the prefix, or wait up to 24 hours after creating the report."
                : $"No Cost and Usage Report named '{reportName}' found under {where}. Check the report name and prefix, or wait up to 24 hours after creating the report.");
        }

        if (candidates.Count > 1)
        {
            LogSeveralReports(logger, source.DataSourceId, candidates.Count, where);
        }

        return candidates.OrderByDescending(r => r.LastModified).First();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published delivery {DeliveryId} of {DataSourceId} {BillingPeriod} ({Files} files, attempt {Attempt})")]
    private static partial void LogPublished(ILogger logger, Guid dataSourceId, string billingPeriod, string deliveryId, int files, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} of {DataSourceId} {BillingPeriod} is not imported: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid dataSourceId, string billingPeriod, string deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CUR API not usable for {DataSourceId} ({Failure}); scanning S3 instead")]
    private static partial void LogCurApiUnavailable(ILogger logger, Guid dataSourceId, CostAndUsageReportFailure failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} reports under {Where} for {DataSourceId}; reading the most recently written one. Name the report on the data source to choose.")]
    private static partial void LogSeveralReports(ILogger logger, Guid dataSourceId, int count, string where);
}

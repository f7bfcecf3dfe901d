using System.Diagnostics;
using Amazon.S3;
using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.CurParser.Data;
using DigiUsher.ServiceDefaults.Data;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurParser.Importing;

/// <summary>Imports one delivery end to end: lease, stream and COPY, reconcile, swap, clean up.</summary>
public sealed partial class DeliveryImporter(
    ImportStore store,
    NpgsqlDataSource dataSource,
    IDataSourceCredentials credentials,
    AwsClientFactory aws,
    IOptions<CurParserOptions> options,
    IOptions<DigiUsher.ServiceDefaults.Quotas.TenantQuotas> quotas,
    ImportMetrics metrics,
    ImportProgressReporter progress,
    ILogger<DeliveryImporter> logger)
{
    private static readonly string Replica = $"{Environment.MachineName}:{Environment.ProcessId}";

    public async Task ImportAsync(ReportAvailable message, CancellationToken cancellationToken)
    {
        var m = message;
        var settings = options.Value;
        var owner = $"{Replica}:{Guid.NewGuid():N}";
        var claim = await ClaimAsync(m, owner, settings.LeaseDuration, cancellationToken);
        if (claim != ClaimResult.Claimed)
        {
            LogSkipped(logger, m.DeliveryId, m.BillingPeriod, claim);
            return;
        }

        var importId = NewId.NextGuid();
        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        await StartAsync(m, importId, owner, startedAt, cancellationToken);
        using var tracking = metrics.Start(m.Format);
        var counters = new ImportCounters();
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLeaseAsync(m, owner, settings.LeaseDuration, leaseLost);
        using var loaded = CancellationTokenSource.CreateLinkedTokenSource(leaseLost.Token);
        var reporting = progress.RunAsync(m, importId, startedAt, counters, loaded.Token);
        (CompleteResult Result, Guid? Replaced, LoadResult Load) outcome;
        try
        {
            LogStarted(logger, importId, m.DeliveryId, m.BillingPeriod, m.ReportKeys.Count);
            outcome = await LoadAndSwapAsync(m, importId, clock, tracking, counters, loaded, leaseLost.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: nothing became current; the unacknowledged message returns to the queue.
            tracking.End("cancelled");
            LogCancelled(logger, importId, m.DeliveryId);
            await DropIfAsync(store.CancelAsync(importId), importId);
            await store.ReleaseAsync(m, owner);
            throw;
        }
        catch (Exception ex)
        {
            var failure = ImportFailure.Of(ex);
            if (failure.Transient)
            {
                tracking.End("retried");
            }

            await RecordFailureAsync(m, importId, failure, ex, owner, settings.LeaseDuration, cancellationToken);
            if (failure.Transient)
            {
                throw;
            }

            return;
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewal;
            await reporting;
        }

        tracking.End(outcome.Result == CompleteResult.Superseded ? "superseded" : "succeeded");
        await FinishAsync(m, importId, outcome.Result, outcome.Replaced, outcome.Load, clock.Elapsed);
    }

    /// <summary>Closes what earlier attempts left loading and records this one; on failure the lease is given back.</summary>
    private async Task StartAsync(ReportAvailable m, Guid importId, string owner, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var abandoned in await store.AbandonUnfinishedAsync(m, cancellationToken))
            {
                LogAbandoned(logger, abandoned, m.DeliveryId);
                await store.DropAsync(abandoned);
            }

            await store.StartAsync(m, importId, startedAt, cancellationToken);
        }
        catch
        {
            await store.ReleaseAsync(m, owner);
            throw;
        }
    }

    /// <summary>Streams and COPYs every file (its progress reported until the last row is in), writes the daily rollup, reconciles the totals and swaps the import in.</summary>
    private async Task<(CompleteResult Result, Guid? Replaced, LoadResult Load)> LoadAndSwapAsync(
        ReportAvailable m, Guid importId, Stopwatch clock, ImportMetrics.ImportTracking tracking, ImportCounters counters, CancellationTokenSource loaded,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        LoadResult load;
        var issued = await credentials.GetAsync(m.OrganizationId, m.DataSourceId, cancellationToken);
        var quota = new DeliveryQuota(quotas.Value.With(issued.QuotaOverrides), m.ReportKeys);
        quota.CheckListedSizes();
        using (var s3 = aws.CreateS3(issued.Credentials, m.Region))
        {
            var readerOptions = settings.ReaderOptions();
            var source = new S3ReportFileSource(s3, m.Bucket, bytes => { tracking.BytesRead(bytes); counters.BytesRead(bytes); }, counters.FileRead, quota.ListedSize);
            var opener = new ReportFileOpener(source, readerOptions, settings.TempDirectory);
            var loader = new LineItemLoader(dataSource, CurParserDb.Schema, readerOptions, settings.BatchSize, settings.FilesInParallel(), settings.RollupGroupsInMemory);
            load = await loader.LoadAsync(importId, m.Format, [.. m.ReportKeys.Select(k => k.Key)], opener, cancellationToken,
                rows => { tracking.RowsCopied(rows); counters.RowsCopied(rows); quota.RowsCopied(rows); });
        }

        await loaded.CancelAsync();
        await store.WriteRollupAsync(importId, load.Rollup, cancellationToken);
        await store.VerifyTotalsAsync(importId, load.Totals, cancellationToken);
        var (result, replaced) = await store.CompleteAsync(m, importId, load, clock.Elapsed, cancellationToken);
        return (result, replaced, load);
    }

    /// <summary>After the swap: drops what is no longer current (a superseded attempt, or the import it replaced).</summary>
    private async Task FinishAsync(ReportAvailable m, Guid importId, CompleteResult result, Guid? replaced, LoadResult load, TimeSpan elapsed)
    {
        if (result == CompleteResult.Superseded)
        {
            LogSuperseded(logger, importId, m.DeliveryId);
            await store.DropAsync(importId);
            return;
        }

        LogImported(logger, importId, m.DeliveryId, load.Rows, elapsed.TotalSeconds);
        foreach (var warning in load.Warnings)
        {
            LogWarning(logger, importId, warning);
        }

        if (replaced is { } previous)
        {
            await store.DropAsync(previous);
        }
    }

    /// <summary>
    /// Records the failure (a permanent one closes the delivery, a transient one gives it back for a
    /// retry) and drops the attempt's partitions, unless the import is no longer loading.
    /// </summary>
    private Task RecordFailureAsync(ReportAvailable m, Guid importId, ImportFailure failure, Exception exception, string owner, TimeSpan patience, CancellationToken cancellationToken)
    {
        if (!failure.Transient)
        {
            LogFailed(logger, failure.Kind == ImportFailureKind.NotReconciled ? LogLevel.Error : LogLevel.Warning, importId, m.DeliveryId, failure.Kind, failure.File, failure.Row, failure.Reason);
            return DropIfAsync(store.FailAsync(m, importId, failure, owner), importId);
        }

        LogTransient(logger, exception, importId, m.DeliveryId);
        return RecordTransientFailureAsync(m, importId, failure, owner, patience, cancellationToken);
    }

    private async Task DropIfAsync(Task<bool> recorded, Guid importId)
    {
        if (await recorded)
        {
            await store.DropAsync(importId);
        }
    }

    /// <summary>
    /// Claims the delivery; while another replica's lease covers it, waits (at most one lease
    /// duration) for that replica to finish it or for the lease to run out.
    /// </summary>
    /// <remarks>
    /// When a replica dies mid-import (kill -9, a lost node), RabbitMQ hands its unacknowledged
    /// message to a live replica at once, while the dead one's lease still runs; the claim succeeds
    /// once the dead holder's liveness mark is stale (seconds, not the lease duration). Acknowledging
    /// "leased elsewhere" then would lose the delivery: nobody imports it and nothing asks again.
    /// A live holder renews its lease, so after one lease duration of waiting the holder is alive
    /// and the message can be acknowledged (the holder finishes the delivery).
    /// </remarks>
    private async Task<ClaimResult> ClaimAsync(ReportAvailable m, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + lease;
        // Short enough that a dead holder's delivery is taken soon after its mark goes stale.
        var pause = TimeSpan.FromTicks(Math.Clamp(lease.Ticks / 10, TimeSpan.TicksPerSecond / 2, TimeSpan.TicksPerSecond * 2));
        while (true)
        {
            var claim = await store.ClaimAsync(m, owner, lease, cancellationToken);
            if (claim != ClaimResult.LeasedElsewhere || DateTime.UtcNow >= deadline)
            {
                return claim;
            }

            await Task.Delay(pause, cancellationToken);
        }
    }

    /// <remarks>
    /// A database outage (restart, failover) that broke the import usually breaks this bookkeeping
    /// too. Without it the lease stays with the failed attempt, the in-memory retry of this very
    /// message finds the delivery "leased elsewhere" and acknowledges it, and the delivery is never
    /// imported. So wait for the database, at most one lease duration (by then the lease has run out
    /// anyway), before the retry claims the delivery again.
    /// </remarks>
    private Task RecordTransientFailureAsync(ReportAvailable m, Guid importId, ImportFailure failure, string owner, TimeSpan patience, CancellationToken cancellationToken) =>
        DatabaseOutage.WaitToRecordAsync(
            _ => DropIfAsync(store.FailAsync(m, importId, failure, owner), importId),
            patience,
            TimeSpan.FromSeconds(1),
            TimeProvider.System,
            ex => LogWaitingForDatabase(logger, m.DeliveryId, ex.Message),
            cancellationToken);

    private async Task RenewLeaseAsync(ReportAvailable m, string owner, TimeSpan lease, CancellationTokenSource importScope)
    {
        try
        {
            using var timer = new PeriodicTimer(lease / 3);
            while (await timer.WaitForNextTickAsync(importScope.Token))
            {
                bool renewed;
                try
                {
                    renewed = await store.RenewAsync(m, owner, lease, importScope.Token);
                }
                catch (NpgsqlException ex)
                {
                    // A database blip must not end the renewals of a long import (its lease would
                    // then run out under it and a second replica start the same delivery): try again next tick.
                    LogTransient(logger, ex, Guid.Empty, m.DeliveryId);
                    continue;
                }

                if (!renewed)
                {
                    LogLeaseLost(logger, m.DeliveryId);
                    await importScope.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of delivery {DeliveryId} was left loading by an attempt that ended without an outcome; marked failed and its partitions dropped")]
    private static partial void LogAbandoned(ILogger logger, Guid importId, string deliveryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {DeliveryId} of {BillingPeriod} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string deliveryId, string billingPeriod, ClaimResult reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {ImportId} of delivery {DeliveryId} ({BillingPeriod}, {Files} files) started")]
    private static partial void LogStarted(ILogger logger, Guid importId, string deliveryId, string billingPeriod, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {ImportId} of delivery {DeliveryId} is current: {Rows} rows in {Seconds:0.0} s")]
    private static partial void LogImported(ILogger logger, Guid importId, string deliveryId, long rows, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId}: {Warning}")]
    private static partial void LogWarning(ILogger logger, Guid importId, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {ImportId} of delivery {DeliveryId} was superseded by a newer delivery; dropped")]
    private static partial void LogSuperseded(ILogger logger, Guid importId, string deliveryId);

    [LoggerMessage(Message = "Import {ImportId} of delivery {DeliveryId} failed for good ({Kind}, file {File} row {Row}): {Reason}")]
    private static partial void LogFailed(ILogger logger, LogLevel level, Guid importId, string deliveryId, ImportFailureKind kind, string? file, long? row, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of delivery {DeliveryId} cancelled by shutdown; the message returns to the queue")]
    private static partial void LogCancelled(ILogger logger, Guid importId, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of delivery {DeliveryId} failed transiently")]
    private static partial void LogTransient(ILogger logger, Exception exception, Guid importId, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the transient failure of delivery {DeliveryId} waits for the database: {Reason}")]
    private static partial void LogWaitingForDatabase(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lease of delivery {DeliveryId} was lost; import abandoned")]
    private static partial void LogLeaseLost(ILogger logger, string deliveryId);
}

/// <summary>
/// Report files from the data source's bucket, streamed (GetObject); with <paramref name="listedSize"/>,
/// a file larger than its listing said is refused from its length, and cut off if it sends more.
/// </summary>
public sealed class S3ReportFileSource(IAmazonS3 s3, string bucket, Action<long>? bytesRead = null, Action? read = null, Func<string, long>? listedSize = null) : IReportFileSource
{
    public async Task<Stream> OpenAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            var stream = new ResponseStream(response, bytesRead, read);
            if (listedSize is null)
            {
                return stream;
            }

            var listed = listedSize(key);
            if (response.ContentLength > listed)
            {
                stream.Dispose();
                throw new CurFormatException($"S3 now sends {response.ContentLength:N0} bytes for a file it listed with {listed:N0}; refused before reading", key);
            }

            return new ListedSizeStream(stream, listed, key);
        }
        catch (AmazonS3Exception ex) when (AwsErrors.Classify(ex) == AwsErrorKind.NotFound)
        {
            // A manifest naming a key that is not there is a bad delivery: it will not appear by retrying.
            throw new CurFormatException($"S3 has no object s3://{bucket}/{key} ({ex.ErrorCode}), which the delivery lists", key, inner: ex);
        }
    }

    // Reports each read's size (the import's bytes meter) as the file streams.
    private sealed class ResponseStream(Amazon.S3.Model.GetObjectResponse response, Action<long>? bytesRead, Action? read) : ReadOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override long Length => response.ContentLength;

        public override int Read(Span<byte> buffer) => Counted(_inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await _inner.ReadAsync(buffer, cancellationToken));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
                read?.Invoke();
            }

            base.Dispose(disposing);
        }

        private int Counted(int read)
        {
            if (read > 0)
            {
                bytesRead?.Invoke(read);
            }

            return read;
        }
    }
}

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
    ImportMetrics metrics,
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
        try
        {
            foreach (var abandoned in await store.AbandonUnfinishedAsync(m, cancellationToken))
            {
                LogAbandoned(logger, abandoned, m.DeliveryId);
                await store.DropAsync(abandoned);
            }

            await store.StartAsync(m, importId, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch
        {
            await store.ReleaseAsync(m, owner);
            throw;
        }

        using var tracking = metrics.Start(m.Format);
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLeaseAsync(m, owner, settings.LeaseDuration, leaseLost);
        try
        {
            LogStarted(logger, importId, m.DeliveryId, m.BillingPeriod, m.ReportKeys.Count);
            LoadResult load;
            IAmazonS3? s3 = null;
            try
            {
                var issued = await credentials.GetAsync(m.OrganizationId, m.DataSourceId, leaseLost.Token);
                s3 = aws.CreateS3(issued.Credentials, m.Region);
                var readerOptions = settings.ReaderOptions();
                var opener = new ReportFileOpener(new S3ReportFileSource(s3, m.Bucket, tracking.BytesRead), readerOptions, settings.TempDirectory);
                var loader = new LineItemLoader(dataSource, CurParserDb.Schema, readerOptions, settings.BatchSize);
                load = await loader.LoadAsync(importId, m.Format, [.. m.ReportKeys.Select(k => k.Key)], opener, leaseLost.Token, tracking.RowsCopied);
            }
            finally
            {
                s3?.Dispose();
            }

            await store.VerifyTotalsAsync(importId, load.Totals, leaseLost.Token);
            var (result, replaced) = await store.CompleteAsync(m, importId, load, clock.Elapsed, leaseLost.Token);
            if (result == CompleteResult.Superseded)
            {
                LogSuperseded(logger, importId, m.DeliveryId);
                tracking.End("superseded");
                await store.DropAsync(importId);
                return;
            }

            tracking.End("succeeded");
            LogImported(logger, importId, m.DeliveryId, load.Rows, clock.Elapsed.TotalSeconds);
            foreach (var warning in load.Warnings)
            {
                LogWarning(logger, importId, warning);
            }

            if (replaced is { } previous)
            {
                await store.DropAsync(previous);
            }
        }
        catch (CurFormatException ex)
        {
            LogBadFile(logger, importId, ex.File, ex.Row, ex.Reason);
            await store.FailAsync(m, importId, ex.File, ex.Row, ex.Reason, transient: false, owner);
            await store.DropAsync(importId);
        }
        catch (CredentialsUnavailableException ex)
        {
            await store.FailAsync(m, importId, null, null, $"no AWS credentials for the data source: {ex.Message}", transient: false, owner);
            await store.DropAsync(importId);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            await store.FailAsync(m, importId, null, null, $"S3 refused a report file ({ex.ErrorCode}: {ex.Message}); check the bucket policy and that the delivery still exists", transient: false, owner);
            await store.DropAsync(importId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: nothing became current; the unacknowledged message returns to the queue.
            tracking.End("cancelled");
            LogCancelled(logger, importId, m.DeliveryId);
            await store.MarkAsync(importId, "cancelled");
            await store.DropAsync(importId);
            await store.ReleaseAsync(m, owner);
            throw;
        }
        catch (Exception ex)
        {
            LogTransient(logger, ex, importId, m.DeliveryId);
            tracking.End("retried");
            await RecordTransientFailureAsync(m, importId, $"transient failure, will be retried: {ex.GetType().Name}: {ex.Message}", owner, settings.LeaseDuration, cancellationToken);
            throw;
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewal;
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
    private Task RecordTransientFailureAsync(ReportAvailable m, Guid importId, string reason, string owner, TimeSpan patience, CancellationToken cancellationToken) =>
        DatabaseOutage.WaitToRecordAsync(
            async _ =>
            {
                await store.FailAsync(m, importId, null, null, reason, transient: true, owner);
                await store.DropAsync(importId);
            },
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} failed on a bad file {File} row {Row}: {Reason}")]
    private static partial void LogBadFile(ILogger logger, Guid importId, string? file, long? row, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of delivery {DeliveryId} cancelled by shutdown; the message returns to the queue")]
    private static partial void LogCancelled(ILogger logger, Guid importId, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of delivery {DeliveryId} failed transiently")]
    private static partial void LogTransient(ILogger logger, Exception exception, Guid importId, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the transient failure of delivery {DeliveryId} waits for the database: {Reason}")]
    private static partial void LogWaitingForDatabase(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lease of delivery {DeliveryId} was lost; import abandoned")]
    private static partial void LogLeaseLost(ILogger logger, string deliveryId);
}

/// <summary>Report files from the data source's bucket, streamed (GetObject).</summary>
public sealed class S3ReportFileSource(IAmazonS3 s3, string bucket, Action<long>? bytesRead = null) : IReportFileSource
{
    public async Task<Stream> OpenAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            return new ResponseStream(response, bytesRead);
        }
        catch (AmazonS3Exception ex) when (AwsErrors.Classify(ex) == AwsErrorKind.NotFound)
        {
            // A manifest naming a key that is not there is a bad delivery: it will not appear by retrying.
            throw new CurFormatException($"S3 has no object s3://{bucket}/{key} ({ex.ErrorCode}), which the delivery lists", key, inner: ex);
        }
    }

    // Reports each read's size (the import's bytes meter) as the file streams.
    private sealed class ResponseStream(Amazon.S3.Model.GetObjectResponse response, Action<long>? bytesRead) : ReadOnlyStream
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

using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// RabbitMQ restarted during an import and during a poll cycle, Postgres restarted during an import:
/// the services reconnect by themselves and the month ends exact. Each test owns its broker node and
/// Postgres cluster (the shared ones are never restarted).
/// </summary>
public sealed class BrokerAndDatabaseFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Import_WhenRabbitMqRestartsMidLoad_ParserReconnectsAndTheMonthIsExactOnce()
    {
        await using var h = await FaultHarness.StartAsync(output, parser: true);
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        var old = new CurCsv(period).AddRows(2_000, seed: 3);
        await h.PublishAsync(await h.DeliveryAsync(tenant, period, "old", DateTimeOffset.UtcNow.AddHours(-2), old.Gzip()));
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == "old", Timeout, "the old delivery to become current");

        var files = Enumerable.Range(1, 3).Select(i => new CurCsv(period).AddRows(60_000, seed: 20 + i)).ToList();
        var large = await h.DeliveryAsync(tenant, period, "large", DateTimeOffset.UtcNow.AddHours(-1), [.. files.Select(f => f.Gzip())]);
        await h.PublishAsync(large);
        await Eventually.True(() => h.LoadingAsync(tenant, "large"), Timeout, "the large delivery to be loading");

        await h.Rabbit.StopAsync();
        await Eventually.True(async () => await h.ReadinessAsync(h.Parser!) == HttpStatusCode.ServiceUnavailable, Timeout, "CurParser to report itself unready without its broker");
        await h.Rabbit.StartAgainAsync();

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == "large", Timeout, "the large delivery to become current after the broker restart");
        Assert.Equal((files.Sum(f => f.Unblended), files.Sum(f => f.Rows)), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        Assert.Equal(files.Sum(f => f.Rows), await h.RowsOfDeliveryAsync(tenant.DataSourceId, "large"));
        // Losing the broker cancels the in-flight consume (its ack could not be sent anyway): that
        // attempt is dropped and the redelivered message imports the delivery, once.
        var statuses = await h.ImportStatusesAsync(tenant.DataSourceId, "large");
        Assert.Equal("current", statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Contains(s, new[] { "cancelled", "failed" }));
        await h.AssertCostsImportedOnceAsync(tenant, "large");

        // The consumer took up work again after the restart: a newer delivery is imported too.
        var after = new CurCsv(period).AddRows(1_000, seed: 9);
        await h.PublishAsync(await h.DeliveryAsync(tenant, period, "after", DateTimeOffset.UtcNow, after.Gzip()));
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == "after", Timeout, "a delivery published after the restart to be imported");
        Assert.Equal((after.Unblended, after.Rows), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        await h.AssertCostsImportedOnceAsync(tenant, "after");
        await h.AssertParserQueueCleanAsync();
        Assert.Equal(HttpStatusCode.OK, await h.ReadinessAsync(h.Parser!));
    }

    [Fact]
    public async Task Import_WhenTheReplicaHoldingItDiesMidLoad_TheOtherReplicaResumesWithin30SecondsAndImportsItOnce()
    {
        // Five-minute leases: only the dead holder's stale liveness mark (CurParser:HolderTimeout) lets
        // the live replica take the delivery over in time; a live holder would keep it.
        await using var h = await ParserHarness.StartAsync(parsers: 2, settings: new Dictionary<string, string> { ["CurParser__LeaseDuration"] = "00:05:00" });
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        var files = Enumerable.Range(1, 3).Select(i => new CurCsv(period).AddRows(60_000, seed: 40 + i)).ToList();
        await h.PublishAsync(await h.CsvDeliveryAsync(tenant, period, "large", DateTimeOffset.UtcNow, [.. files.Select(f => f.Gzip())]));
        var holder = await Eventually.Get(() => LoadingReplicaAsync(h, tenant, "large"), Timeout, "a replica to be loading the delivery");

        // RabbitMQ hands the dead replica's unacknowledged message to the live one at once, while the
        // dead one's lease still runs: the live one must not take "leased elsewhere" for "done".
        var deadHolder = await LeaseHolderAsync(h, tenant, "large");
        h.Kill(holder);
        var sinceKill = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.True(
            async () => await LeaseHolderAsync(h, tenant, "large") is { } now && now != deadHolder,
            TimeSpan.FromSeconds(30),
            "the live replica to take the dead one's delivery over within 30 s of the kill");
        var resumedAfter = sinceKill.Elapsed;
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period))?.DeliveryId == "large", Timeout, "the surviving replica to import the delivery");

        Assert.True(resumedAfter < TimeSpan.FromSeconds(30), $"resumed {resumedAfter.TotalSeconds:0.0} s after the kill");
        Assert.Contains($":{holder.ProcessId}:", deadHolder, StringComparison.Ordinal);

        Assert.Equal((files.Sum(f => f.Unblended), files.Sum(f => f.Rows)), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        Assert.Equal(files.Sum(f => f.Rows), await h.RowsOfDeliveryAsync(tenant.DataSourceId, "large"));
        // The dead replica's attempt is closed as failed by the one that imported the delivery.
        Assert.Equal(["failed", "current"], (await h.ImportsOfDeliveryAsync(tenant.DataSourceId, "large")).Select(i => i.Status));
        await Eventually.True(() => Task.FromResult(h.Events.Of<CostsImported>(tenant.DataSourceId).Any(c => c.DeliveryId == "large")), Timeout, "the CostsImported of the delivery");
        Assert.Single(h.Events.Of<CostsImported>(tenant.DataSourceId), c => c.DeliveryId == "large");
        await Eventually.True(h.QueueDrainedAsync, Timeout, "the queue to drain");
        Assert.Equal(0, await h.ErrorMessagesAsync());
    }

    // Failed about one run in two until the outbox publish had a bound: the poller publishes a
    // ReportPollCompleted every few seconds, and one in flight when the node stopped waited for its
    // confirm for good, long after every service had reconnected, with the announcement behind it.
    [Fact]
    public async Task Poll_WhenRabbitMqIsDownDuringAPollCycle_TheDeliveryIsAnnouncedAndImportedOnceAfterTheRestart()
    {
        await using var h = await FaultHarness.StartAsync(output, parser: true, poller: true);
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        await h.ConnectWithFirstDeliveryAsync(tenant, period, "11111111-aaaa-4bbb-8ccc-000000000001", new CurCsv(period).AddRows(1_500, seed: 4));

        await h.Rabbit.StopAsync();
        const string rewritten = "11111111-aaaa-4bbb-8ccc-000000000002";
        var files = new[] { new CurCsv(period).AddRows(20_000, seed: 5), new CurCsv(period).AddRows(20_000, seed: 6) };
        await h.WriteAssemblyAsync(period, rewritten, [.. files.Select(f => f.Gzip())]);
        // The poller keeps polling while the broker is down: it finds the delivery and keeps its announcement in its outbox.
        await Eventually.True(() => h.PollerKnowsAsync(tenant, rewritten), Timeout, "the poller to find the new delivery while the broker is down");
        await Eventually.True(async () => await h.ReadinessAsync(h.Poller!) == HttpStatusCode.ServiceUnavailable, Timeout, "CurPoller to report itself unready without its broker");
        await h.Rabbit.StartAgainAsync();

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == rewritten, Timeout, "the new delivery to be imported after the broker restart");
        Assert.Equal((files.Sum(f => f.Unblended), files.Sum(f => f.Rows)), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        // Several polls run after the restart; none announces the delivery again.
        var polls = h.Recorded.Count<ReportPollCompleted>(tenant.DataSourceId);
        await Eventually.True(() => Task.FromResult(h.Recorded.Count<ReportPollCompleted>(tenant.DataSourceId) >= polls + 2), Timeout, "two more polls");
        Assert.Single(h.Recorded.MessageIdsOf<ReportAvailable>(tenant.DataSourceId, m => m.DeliveryId == rewritten));
        Assert.Equal(1, await h.PollerOutboxRowsAsync(rewritten));
        Assert.Equal(["current"], await h.ImportStatusesAsync(tenant.DataSourceId, rewritten));
        await h.AssertCostsImportedOnceAsync(tenant, rewritten);
        await h.AssertParserQueueCleanAsync();
        Assert.Equal(HttpStatusCode.OK, await h.ReadinessAsync(h.Poller!));
        Assert.Equal(HttpStatusCode.OK, await h.ReadinessAsync(h.Parser!));
    }

    [Fact]
    public async Task Outbox_WhenTheBrokerHangsMidPublish_ThePublishIsGivenUpAndTheDeliveryAnnouncedOnceWhenItAnswers()
    {
        await using var h = await FaultHarness.StartAsync(output, parser: true, poller: true, pollerSettings: new() { ["RabbitMq__PublishTimeout"] = "00:00:03" });
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        await h.ConnectWithFirstDeliveryAsync(tenant, period, "33333333-aaaa-4bbb-8ccc-000000000001", new CurCsv(period).AddRows(800, seed: 11));

        const string rewritten = "33333333-aaaa-4bbb-8ccc-000000000002";
        var files = new[] { new CurCsv(period).AddRows(5_000, seed: 12), new CurCsv(period).AddRows(5_000, seed: 13) };
        // A hung broker keeps its connections open and never confirms a publish: without a bound, the
        // dispatcher would wait on the first one for good and every row behind it with it.
        await h.Rabbit.FreezeAsync();
        try
        {
            await h.WriteAssemblyAsync(period, rewritten, [.. files.Select(f => f.Gzip())]);
            await Eventually.True(() => h.PollerKnowsAsync(tenant, rewritten), Timeout, "the poller to find the new delivery while the broker hangs");
            await Eventually.True(
                () => Task.FromResult(h.Poller!.LogLines.Any(l => l.Contains("did not confirm outbox row", StringComparison.Ordinal))),
                Timeout, "the outbox dispatcher to give up a publish the broker did not confirm");
            Assert.Equal(0, await h.PollerOutboxRowsAsync(rewritten, dispatchedOnly: true));
        }
        finally
        {
            await h.Rabbit.ThawAsync();
        }

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == rewritten, Timeout, "the new delivery to be imported once the broker answers");
        Assert.Equal((files.Sum(f => f.Unblended), files.Sum(f => f.Rows)), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        // Published again with the row's message id: one announcement, one import.
        Assert.Single(h.Recorded.MessageIdsOf<ReportAvailable>(tenant.DataSourceId, m => m.DeliveryId == rewritten));
        Assert.Equal(1, await h.PollerOutboxRowsAsync(rewritten, dispatchedOnly: true));
        Assert.Equal(["current"], await h.ImportStatusesAsync(tenant.DataSourceId, rewritten));
        await h.AssertCostsImportedOnceAsync(tenant, rewritten);
        await h.AssertParserQueueCleanAsync();
    }

    [Fact]
    public async Task Import_WhenPostgresRestartsMidLoad_TheImportIsRetriedAndTheOldMonthStaysCurrentUntilThen()
    {
        await using var h = await FaultHarness.StartAsync(output, parser: true, poller: true);
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        var watched = Tenant.New();
        await h.ConnectWithFirstDeliveryAsync(watched, period, "22222222-aaaa-4bbb-8ccc-000000000001", new CurCsv(period).AddRows(500, seed: 8));
        var old = new CurCsv(period).AddRows(2_000, seed: 7);
        await h.PublishAsync(await h.DeliveryAsync(tenant, period, "old", DateTimeOffset.UtcNow.AddHours(-1), old.Gzip()));
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == "old", Timeout, "the old delivery to become current");

        var files = Enumerable.Range(1, 3).Select(i => new CurCsv(period).AddRows(60_000, seed: 30 + i)).ToList();
        var expected = (files.Sum(f => f.Unblended), files.Sum(f => f.Rows));
        using var stopReaders = new CancellationTokenSource();
        var seen = new ConcurrentDictionary<(decimal, long), bool>();
        var reader = Task.Run(async () =>
        {
            while (!stopReaders.IsCancellationRequested)
            {
                try
                {
                    seen[await h.CurrentLineItemsAsync(tenant.DataSourceId, period)] = true;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
                {
                    // Postgres is down: nothing to read, nothing wrong to see.
                }

                await Task.Delay(100);
            }
        });

        await h.PublishAsync(await h.DeliveryAsync(tenant, period, "large", DateTimeOffset.UtcNow, [.. files.Select(f => f.Gzip())]));
        await Eventually.True(() => h.LoadingAsync(tenant, "large"), Timeout, "the large delivery to be loading");
        await h.Postgres.StopAsync();
        await Eventually.True(async () => await h.ReadinessAsync(h.Parser!) == HttpStatusCode.ServiceUnavailable, Timeout, "CurParser to report itself unready");
        await Eventually.True(async () => await h.ReadinessAsync(h.Poller!) == HttpStatusCode.ServiceUnavailable, Timeout, "CurPoller to report itself unready");
        // Down longer than the first in-memory retry, as a failover would be.
        await Task.Delay(TimeSpan.FromSeconds(5));
        await h.Postgres.StartAgainAsync();
        await Eventually.True(async () => await h.ReadinessAsync(h.Parser!) == HttpStatusCode.OK, Timeout, "CurParser to be ready again");
        await Eventually.True(async () => await h.ReadinessAsync(h.Poller!) == HttpStatusCode.OK, Timeout, "CurPoller to be ready again");

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == "large", Timeout, "the large delivery to become current after the database restart");
        await stopReaders.CancelAsync();
        await reader;

        Assert.Equal(expected, await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        Assert.Equal(expected.Item2, await h.RowsOfDeliveryAsync(tenant.DataSourceId, "large"));
        var statuses = await h.ImportStatusesAsync(tenant.DataSourceId, "large");
        Assert.Equal("current", statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Equal("failed", s));
        Assert.NotEmpty(statuses[..^1]);
        Assert.All(seen.Keys, s => Assert.True(s == (old.Unblended, old.Rows) || s == expected, $"a reader saw {s}, neither the old month nor the new one"));
        Assert.Contains((old.Unblended, old.Rows), seen.Keys);
        await h.AssertCostsImportedOnceAsync(tenant, "large");

        // The poller's pool, outbox and LISTEN connection recovered too: a new delivery is announced and imported, once.
        // Nobody asks for a poll: a poll the outage cut short is recorded as failed once the database is
        // back and the data source polled again shortly after (it used to stay leased for PollTimeout + 1 min).
        const string rewritten = "22222222-aaaa-4bbb-8ccc-000000000002";
        var after = new CurCsv(period).AddRows(800, seed: 10);
        await h.WriteAssemblyAsync(period, rewritten, after.Gzip());
        await Eventually.True(async () => (await h.CurrentAsync(watched.DataSourceId, period)) == rewritten, Timeout, "a delivery written after the restart to be polled and imported");
        Assert.Equal((after.Unblended, after.Rows), await h.CurrentLineItemsAsync(watched.DataSourceId, period));
        Assert.Single(h.Recorded.MessageIdsOf<ReportAvailable>(watched.DataSourceId, m => m.DeliveryId == rewritten));
        await h.AssertCostsImportedOnceAsync(watched, rewritten);
        await h.AssertParserQueueCleanAsync();
    }

    [Fact]
    public async Task Import_WhenPostgresIsDownLongerThanEveryRetry_TheMessageEndsInErrorAndThePollerAnnouncesTheDeliveryAgain()
    {
        await using var h = await FaultHarness.StartAsync(
            output, parser: true, poller: true,
            pollerSettings: new() { ["CurPoller__UnansweredRepublishAfter"] = "00:00:20" },
            parserSettings: new() { ["CurParser__LeaseDuration"] = "00:00:06" });
        var tenant = Tenant.New();
        var period = FaultHarness.Period(0);
        await h.ConnectWithFirstDeliveryAsync(tenant, period, "44444444-aaaa-4bbb-8ccc-000000000001", new CurCsv(period).AddRows(500, seed: 14));

        const string rewritten = "44444444-aaaa-4bbb-8ccc-000000000002";
        var files = Enumerable.Range(1, 3).Select(i => new CurCsv(period).AddRows(60_000, seed: 50 + i)).ToList();
        await h.WriteAssemblyAsync(period, rewritten, [.. files.Select(f => f.Gzip())]);
        await Eventually.True(() => h.LoadingAsync(tenant, rewritten), Timeout, "the new delivery to be loading");
        await h.Postgres.StopAsync();
        // Every in-memory retry fails while the database is down: the message ends in the _error
        // queue, and nothing in CurParser's database says so.
        var queue = await h.ParserQueueAsync();
        await Eventually.True(async () => await h.Rabbit.MessagesInQueueAsync(queue + "_error") == 1, Timeout, "the announcement to end in CurParser's _error queue");
        await h.Postgres.StartAgainAsync();

        // Nobody answered the announcement: the poller announces the delivery again, and it is imported once.
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, period)) == rewritten, Timeout, "the delivery to be announced again and imported");
        Assert.Equal((files.Sum(f => f.Unblended), files.Sum(f => f.Rows)), await h.CurrentLineItemsAsync(tenant.DataSourceId, period));
        Assert.Equal(files.Sum(f => f.Rows), await h.RowsOfDeliveryAsync(tenant.DataSourceId, rewritten));
        Assert.Equal(2, h.Recorded.MessageIdsOf<ReportAvailable>(tenant.DataSourceId, m => m.DeliveryId == rewritten).Count);
        // The attempt the outage broke recorded nothing; the attempt that imported the delivery closed it.
        Assert.Equal(["failed", "current"], await h.ImportStatusesAsync(tenant.DataSourceId, rewritten));
        await h.AssertCostsImportedOnceAsync(tenant, rewritten);
        Assert.Equal(1, await h.Rabbit.MessagesInQueueAsync(queue + "_error"));
    }

    /// <summary>The replica whose lease covers the delivery once its COPY is under way (the lease owner names the process).</summary>
    private static async Task<string?> LeaseHolderAsync(ParserHarness h, Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        return await connection.QuerySingleOrDefaultAsync<string?>(
            "select lease_holder from curparser.deliveries where data_source_id = @ds and delivery_id = @deliveryId",
            new { ds = tenant.DataSourceId, deliveryId });
    }

    private static async Task<ServiceProcess?> LoadingReplicaAsync(ParserHarness h, Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        var row = await connection.QuerySingleOrDefaultAsync<(Guid ImportId, string Owner)>(
            """
            select i.import_id, d.lease_owner from curparser.imports i join curparser.deliveries d using (data_source_id, delivery_id)
            where i.data_source_id = @ds and i.delivery_id = @deliveryId and i.status = 'loading' and d.lease_owner is not null
            """, new { ds = tenant.DataSourceId, deliveryId });
        if (row.Owner is null
            || await connection.ExecuteScalarAsync<long?>($"select pg_total_relation_size('curparser.line_items_{row.ImportId:N}')") <= 1024 * 1024)
        {
            return null;
        }

        return h.Parsers.SingleOrDefault(p => row.Owner.Contains($":{p.ProcessId}:", StringComparison.Ordinal));
    }
}

/// <summary>
/// A dedicated Postgres cluster and RabbitMQ node, the real CurParser (and CurPoller) processes on
/// them, a bucket on moto, and the test's peer on the bus, which answers <c>GetAwsCredentials</c> and
/// records what the services publish, with message ids.
/// </summary>
public sealed class FaultHarness : IAsyncDisposable
{
    private const string Prefix = "cur";
    private const string Report = "hourly";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly List<ServiceProcess> _processes = [];
    private PeerBus? _peer;

    private readonly ITestOutputHelper _output;

    private FaultHarness(ITestOutputHelper output, DedicatedPostgres postgres, DedicatedRabbitMq rabbit, string bucket, AmazonS3Client s3)
    {
        _output = output;
        Postgres = postgres;
        Rabbit = rabbit;
        Bucket = bucket;
        S3 = s3;
    }

    public DedicatedPostgres Postgres { get; }

    public DedicatedRabbitMq Rabbit { get; }

    public string Bucket { get; }

    public AmazonS3Client S3 { get; }

    public RecordedMessages Recorded => _peer!.Recorded;

    public ServiceProcess? Parser { get; private set; }

    public ServiceProcess? Poller { get; private set; }

    public static string Period(int monthsAgo) => DateTime.UtcNow.AddMonths(-monthsAgo).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<FaultHarness> StartAsync(
        ITestOutputHelper output, bool parser = false, bool poller = false, Dictionary<string, string>? pollerSettings = null, Dictionary<string, string>? parserSettings = null)
    {
        var postgresStart = DedicatedPostgres.StartAsync();
        var rabbitStart = DedicatedRabbitMq.StartAsync();
        DedicatedPostgres? postgres = null;
        DedicatedRabbitMq? rabbit = null;
        try
        {
            postgres = await postgresStart;
            rabbit = await rabbitStart;
        }
        catch
        {
            if (postgresStart.IsCompletedSuccessfully)
            {
                await postgresStart.Result.DisposeAsync();
            }

            if (rabbitStart.IsCompletedSuccessfully)
            {
                await rabbitStart.Result.DisposeAsync();
            }

            throw;
        }

        var bucket = $"fault-{Guid.NewGuid():N}"[..30];
        var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = TestEnvironment.SharedMotoUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        var harness = new FaultHarness(output, postgres, rabbit, bucket, s3);
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
            harness._peer = await PeerBus.StartAsync(rabbit);
            if (parser)
            {
                var environment = DedicatedEnvironment.For("CurParser", postgres, rabbit);
                environment["CurParser__LeaseDuration"] = "00:00:30";
                foreach (var (key, value) in parserSettings ?? [])
                {
                    environment[key] = value;
                }

                await ServiceProcess.MigrateAsync("CurParser", environment);
                harness.Parser = await harness.StartServiceAsync("CurParser", environment);
            }

            if (poller)
            {
                var environment = DedicatedEnvironment.For("CurPoller", postgres, rabbit);
                // No CUR API in moto: a closed port makes the poller scan the bucket at once.
                environment["Aws__CurServiceUrl"] = $"http://127.0.0.1:{FreePort.Next()}";
                environment["CurPoller__SchedulerTick"] = "00:00:01";
                environment["CurPoller__PollInterval"] = "00:00:03";
                environment["CurPoller__PollJitter"] = "0";
                environment["CurPoller__BackfillMonths"] = "1";
                foreach (var (key, value) in pollerSettings ?? [])
                {
                    environment[key] = value;
                }

                await ServiceProcess.MigrateAsync("CurPoller", environment);
                harness.Poller = await harness.StartServiceAsync("CurPoller", environment);
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    public Task PublishAsync(ReportAvailable message) => _peer!.PublishAsync(message);

    /// <summary>Uploads gzip CSV files and returns their delivery, as CurPoller announces it.</summary>
    public async Task<ReportAvailable> DeliveryAsync(Tenant tenant, string period, string deliveryId, DateTimeOffset detectedAt, params byte[][] gzipFiles)
    {
        var files = new List<ReportFile>();
        for (var i = 0; i < gzipFiles.Length; i++)
        {
            var key = $"direct/{period}/{deliveryId}/cur-{i + 1}.csv.gz";
            await PutAsync(key, gzipFiles[i]);
            files.Add(new ReportFile(key, gzipFiles[i].LongLength, $"\"{Guid.NewGuid():N}\""));
        }

        return new ReportAvailable(tenant.OrganizationId, tenant.DataSourceId, $"{tenant.DataSourceId}:{deliveryId}", period, "cur", ReportFormat.CsvGzip,
            deliveryId, Bucket, "us-east-1", $"direct/{period}/{deliveryId}/cur-Manifest.json", files, detectedAt);
    }

    /// <summary>A legacy CUR assembly as AWS writes it (create-new versioning): data files, then the manifests.</summary>
    public async Task WriteAssemblyAsync(string period, string assemblyId, params byte[][] gzipFiles)
    {
        var keys = new List<string>();
        for (var i = 0; i < gzipFiles.Length; i++)
        {
            keys.Add(await CurBucket.PutDataFileAsync(S3, Bucket, Prefix, Report, period, assemblyId, i + 1, gzipFiles[i]));
        }

        await CurBucket.PutManifestAsync(S3, Bucket, Prefix, Report, period, assemblyId, keys);
    }

    /// <summary>DataSource's announcement of a connected data source, which starts its polling.</summary>
    public Task ConnectAsync(Tenant tenant) => _peer!.PublishAsync(new DataSourceConnected(
        tenant.OrganizationId, tenant.DataSourceId, $"connected:{tenant.DataSourceId}",
        new DataSourceSettings("Payer", "aws-root", Bucket, Prefix, Report, "us-east-1", "123456789012", Guid.NewGuid(), "owner@example.com", []),
        DateTimeOffset.UtcNow));

    /// <summary>Writes a first assembly, connects the data source and waits until the poller found it and the parser imported it.</summary>
    public async Task ConnectWithFirstDeliveryAsync(Tenant tenant, string period, string assemblyId, CurCsv first)
    {
        await WriteAssemblyAsync(period, assemblyId, first.Gzip());
        await ConnectAsync(tenant);
        await Eventually.True(async () => (await CurrentAsync(tenant.DataSourceId, period)) == assemblyId, Timeout, $"the first delivery of {tenant.DataSourceId} to be polled and imported");
    }

    /// <summary>The delivery id current for a data source and month (CurParser's tables).</summary>
    public async Task<string?> CurrentAsync(Guid dataSourceId, string period)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "select delivery_id from curparser.current_imports where data_source_id = @dataSourceId and billing_period = @period", new { dataSourceId, period });
    }

    public async Task<(decimal Unblended, long Rows)> CurrentLineItemsAsync(Guid dataSourceId, string period)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return await connection.QuerySingleAsync<(decimal, long)>(
            "select coalesce(sum(unblended), 0), count(*) from curparser.current_line_items where data_source_id = @dataSourceId and billing_period = @period",
            new { dataSourceId, period }, commandTimeout: 300);
    }

    /// <summary>Rows that exist for any import of a delivery (a failed attempt must leave none).</summary>
    public async Task<long> RowsOfDeliveryAsync(Guid dataSourceId, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "select count(*) from curparser.line_items li join curparser.imports i using (import_id) where i.data_source_id = @dataSourceId and i.delivery_id = @deliveryId",
            new { dataSourceId, deliveryId }, commandTimeout: 300);
    }

    public async Task<string[]> ImportStatusesAsync(Guid dataSourceId, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return [.. await connection.QueryAsync<string>(
            "select status from curparser.imports where data_source_id = @dataSourceId and delivery_id = @deliveryId order by started_at",
            new { dataSourceId, deliveryId })];
    }

    /// <summary>True once the delivery's import is COPYing (its partition grew past 1 MB; COPY rows are invisible until commit).</summary>
    public async Task<bool> LoadingAsync(Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        var importId = await connection.QuerySingleOrDefaultAsync<Guid?>(
            "select import_id from curparser.imports where data_source_id = @ds and delivery_id = @deliveryId and status = 'loading'",
            new { ds = tenant.DataSourceId, deliveryId });
        return importId is not null
            && await connection.ExecuteScalarAsync<long?>($"select pg_total_relation_size('curparser.line_items_{importId:N}')") > 1024 * 1024;
    }

    public async Task<bool> PollerKnowsAsync(Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return await connection.ExecuteScalarAsync<bool>(
            "select exists (select 1 from curpoller.deliveries where data_source_id = @ds and delivery_id = @deliveryId)", new { ds = tenant.DataSourceId, deliveryId });
    }

    /// <summary>ReportAvailable rows of a delivery in CurPoller's outbox; with <paramref name="dispatchedOnly"/>, those published and confirmed.</summary>
    public async Task<long> PollerOutboxRowsAsync(string deliveryId, bool dispatchedOnly = false)
    {
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "select count(*) from curpoller.outbox where message_type = @type and body->>'deliveryId' = @deliveryId and (not @dispatchedOnly or dispatched_at is not null)",
            new { type = typeof(ReportAvailable).FullName, deliveryId, dispatchedOnly });
    }

    /// <summary>One CostsImported for the delivery: one outbox row, dispatched, received under one message id.</summary>
    public async Task AssertCostsImportedOnceAsync(Tenant tenant, string deliveryId)
    {
        await Eventually.True(
            () => Task.FromResult(Recorded.MessageIdsOf<CostsImported>(tenant.DataSourceId, c => c.DeliveryId == deliveryId).Count > 0),
            Timeout, $"the CostsImported of {deliveryId}");
        Assert.Single(Recorded.MessageIdsOf<CostsImported>(tenant.DataSourceId, c => c.DeliveryId == deliveryId));
        await using var connection = new NpgsqlConnection(Postgres.AdminConnectionString);
        var rows = (await connection.QueryAsync<bool>(
            "select dispatched_at is not null from curparser.outbox where message_type = @type and body->>'deliveryId' = @deliveryId",
            new { type = typeof(CostsImported).FullName, deliveryId })).ToList();
        Assert.Equal([true], rows);
    }

    /// <summary>CurParser's <c>ReportAvailable</c> queue (named by its endpoint conventions; found, not assumed).</summary>
    public async Task<string> ParserQueueAsync() =>
        (await Rabbit.QueuesAsync()).Single(q => q.StartsWith("cur-parser", StringComparison.Ordinal) && q.EndsWith("report-available", StringComparison.Ordinal));

    /// <summary>CurParser's queue drains and nothing went to its <c>_error</c> queue.</summary>
    public async Task AssertParserQueueCleanAsync()
    {
        var queue = await ParserQueueAsync();
        await Eventually.True(async () => await Rabbit.MessagesInQueueAsync(queue) == 0, Timeout, "CurParser's queue to drain");
        Assert.Equal(0, await Rabbit.MessagesInQueueAsync(queue + "_error"));
    }

    /// <summary>The status code of a service's <c>/health/ready</c> (Postgres and the bus).</summary>
    public async Task<HttpStatusCode> ReadinessAsync(ServiceProcess service)
    {
        using var client = service.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(20);
        try
        {
            using var response = await client.GetAsync("/health/ready");
            return response.StatusCode;
        }
        catch (TaskCanceledException)
        {
            return HttpStatusCode.RequestTimeout;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
            // Shown with a failing test: what the service did around the fault. The broker's own
            // "Connection Failed" retries are expected while it is down; every other warning is news.
            _output.WriteLine($"--- {process.Service} warnings and errors ---");
            foreach (var line in process.LogLines.Where(l => (l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal)
                || l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)) && !l.Contains("\"Message\":\"Connection Failed", StringComparison.Ordinal)))
            {
                _output.WriteLine(line);
            }

            _output.WriteLine($"--- {process.Service} log (last 150 lines) ---");
            foreach (var line in process.LogLines.TakeLast(150))
            {
                _output.WriteLine(line);
            }
        }

        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }

        S3.Dispose();
        _output.WriteLine("--- RabbitMQ node log (last 100 lines) ---");
        foreach (var line in Rabbit.LogTail(100))
        {
            _output.WriteLine(line);
        }

        await Rabbit.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    private async Task<string> PutAsync(string key, byte[] content)
    {
        using var stream = new MemoryStream(content);
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream });
        return key;
    }

    private async Task<ServiceProcess> StartServiceAsync(string service, Dictionary<string, string> environment)
    {
        var process = await ServiceProcess.StartAsync(service, environment);
        _processes.Add(process);
        return process;
    }
}

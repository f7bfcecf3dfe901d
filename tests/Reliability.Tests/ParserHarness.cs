using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// The real CurParser process(es) on a database and virtual host of their own, a bucket on moto, and
/// the test's peer on the bus, which publishes <c>ReportAvailable</c>, answers <c>GetAwsCredentials</c>
/// with sealed moto keys (the message contract DataSource serves) and records what CurParser publishes.
/// </summary>
public sealed class ParserHarness : IAsyncDisposable
{
    private readonly List<ServiceProcess> _parsers = [];
    private readonly List<ServiceProcess> _services = [];
    private readonly ConcurrentQueue<string> _retiredLog = new();
    private readonly Dictionary<string, string> _environment;
    private PeerBus? _peer;

    private ParserHarness(TestDatabase database, TestVirtualHost virtualHost, string bucket, AmazonS3Client s3, Dictionary<string, string> environment, string motoUrl)
    {
        Database = database;
        VirtualHost = virtualHost;
        Bucket = bucket;
        S3 = s3;
        _environment = environment;
        MotoUrl = motoUrl;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public string Bucket { get; }

    public AmazonS3Client S3 { get; }

    /// <summary>The moto every process of the harness talks to.</summary>
    public string MotoUrl { get; }

    /// <summary>The other services started with <see cref="StartServiceAsync"/>.</summary>
    public IReadOnlyList<ServiceProcess> Services => _services;

    public RecordedMessages Events => _peer!.Recorded;

    public IReadOnlyList<ServiceProcess> Parsers => _parsers;

    public IEnumerable<string> LogLines => _parsers.SelectMany(p => p.LogLines).Concat(_services.SelectMany(s => s.LogLines)).Concat(_retiredLog);

    /// <summary>
    /// Database, vhost, bucket and the test bus; then <paramref name="parsers"/> CurParser processes.
    /// Without <paramref name="answerCredentials"/> the test bus leaves <c>GetAwsCredentials</c> to a
    /// real DataSource (<see cref="StartServiceAsync"/>); <paramref name="motoUrl"/> is a dedicated moto.
    /// </summary>
    public static async Task<ParserHarness> StartAsync(int parsers = 1, IReadOnlyDictionary<string, string>? settings = null, bool answerCredentials = true, string? motoUrl = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var bucket = $"rel-{Guid.NewGuid():N}"[..30];
        var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = motoUrl ?? TestEnvironment.SharedMotoUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var environment = ServiceProcess.EnvironmentFor("CurParser", database, virtualHost, motoUrl);
        environment["CurParser__LeaseDuration"] = "00:00:30";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var harness = new ParserHarness(database, virtualHost, bucket, s3, environment, motoUrl ?? TestEnvironment.SharedMotoUrl);
        try
        {
            await ServiceProcess.MigrateAsync("CurParser", environment);
            harness._peer = await PeerBus.StartAsync(harness.VirtualHost, answerCredentials);
            for (var i = 0; i < parsers; i++)
            {
                await harness.StartParserAsync();
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    /// <summary>Starts one more CurParser, on <paramref name="port"/> when a reader (Query) must find a restarted one at the same address.</summary>
    public async Task<ServiceProcess> StartParserAsync(int? port = null)
    {
        var parser = await ServiceProcess.StartAsync("CurParser", _environment, port);
        _parsers.Add(parser);
        return parser;
    }

    /// <summary>
    /// Migrates and starts another service (DataSource, CurPoller, Query ...) on the harness's database,
    /// virtual host and moto; it is stopped with the harness and its log lines are in <see cref="LogLines"/>.
    /// </summary>
    public async Task<ServiceProcess> StartServiceAsync(string service, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = ServiceProcess.EnvironmentFor(service, Database, VirtualHost, MotoUrl);
        // These tests crash parsers and feed hostile files; one organization polls and reads far more than a
        // person would. The per-organization rate limits are tested by TenantRateLimitTests and PollRateLimitTests.
        foreach (var limit in (string[])["Queries", "Exports", "Validations", "Polls"])
        {
            environment[$"RateLimits__{limit}__Burst"] = "100000";
            environment[$"RateLimits__{limit}__PerMinute"] = "100000";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        await ServiceProcess.MigrateAsync(service, environment);
        var process = await ServiceProcess.StartAsync(service, environment, readyTimeout: TimeSpan.FromSeconds(120));
        lock (_services)
        {
            // Services may be started side by side (Task.WhenAll) to save start-up time.
            _services.Add(process);
        }

        return process;
    }

    /// <summary>SIGKILL one parser (a crashed pod); its log lines are kept.</summary>
    public void Kill(ServiceProcess parser)
    {
        parser.Kill();
        foreach (var line in parser.LogLines)
        {
            _retiredLog.Enqueue(line);
        }

        _parsers.Remove(parser);
    }

    public async Task<string> PutAsync(string key, byte[] content)
    {
        using var stream = new MemoryStream(content);
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream });
        return key;
    }

    /// <summary>A delivery of one data source and month, as CurPoller announces it.</summary>
    public ReportAvailable Delivery(Tenant tenant, string period, string deliveryId, DateTimeOffset detectedAt, ReportFormat format, params (string Key, long Size)[] files) =>
        new(tenant.OrganizationId, tenant.DataSourceId, $"{tenant.DataSourceId}:{deliveryId}", period, "cur", format, deliveryId, Bucket, "us-east-1",
            $"cur/{period}/{deliveryId}/cur-Manifest.json", [.. files.Select(f => new ReportFile(f.Key, f.Size, $"\"{Guid.NewGuid():N}\""))], detectedAt);

    /// <summary>Uploads one gzip CSV file and returns its delivery.</summary>
    public async Task<ReportAvailable> CsvDeliveryAsync(Tenant tenant, string period, string deliveryId, DateTimeOffset detectedAt, params byte[][] gzipFiles)
    {
        var files = new List<(string, long)>();
        for (var i = 0; i < gzipFiles.Length; i++)
        {
            var key = await PutAsync($"cur/{period}/{deliveryId}/cur-{i + 1}.csv.gz", gzipFiles[i]);
            files.Add((key, gzipFiles[i].LongLength));
        }

        return Delivery(tenant, period, deliveryId, detectedAt, ReportFormat.CsvGzip, [.. files]);
    }

    public Task PublishAsync(ReportAvailable message) => _peer!.PublishAsync(message);

    /// <summary>Publishes any contract from the test bus (as the service that owns it would).</summary>
    public Task PublishEventAsync<T>(T message)
        where T : class, IIntegrationMessage => _peer!.PublishAsync(message);

    /// <summary>The import current for a data source and month (CurParser's own tables).</summary>
    public async Task<CurrentImport?> CurrentAsync(Guid dataSourceId, string period)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        return await connection.QuerySingleOrDefaultAsync<CurrentImport>(
            """
            select c.import_id as importid, c.delivery_id as deliveryid, i.rows, i.totals::text as totals
            from curparser.current_imports c join curparser.imports i using (import_id)
            where c.data_source_id = @dataSourceId and c.billing_period = @period
            """, new { dataSourceId, period });
    }

    /// <summary>Sum of unblended cost and row count of the current import's line items.</summary>
    public async Task<(decimal Unblended, long Rows)> CurrentLineItemsAsync(Guid dataSourceId, string period)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        var row = await connection.QuerySingleAsync<(decimal, long)>(
            "select coalesce(sum(unblended), 0), count(*) from curparser.current_line_items where data_source_id = @dataSourceId and billing_period = @period",
            new { dataSourceId, period }, commandTimeout: 300);
        return row;
    }

    /// <summary>Line-item partitions that exist for a delivery's imports (a failed or superseded import must leave none).</summary>
    public async Task<long> RowsOfDeliveryAsync(Guid dataSourceId, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "select count(*) from curparser.line_items li join curparser.imports i using (import_id) where i.data_source_id = @dataSourceId and i.delivery_id = @deliveryId",
            new { dataSourceId, deliveryId }, commandTimeout: 300);
    }

    public async Task<IReadOnlyList<(Guid ImportId, string Status)>> ImportsOfDeliveryAsync(Guid dataSourceId, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        return [.. await connection.QueryAsync<(Guid, string)>(
            "select import_id, status from curparser.imports where data_source_id = @dataSourceId and delivery_id = @deliveryId order by started_at",
            new { dataSourceId, deliveryId })];
    }

    public async Task<string?> DeliveryStatusAsync(Guid dataSourceId, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "select status from curparser.deliveries where data_source_id = @dataSourceId and delivery_id = @deliveryId", new { dataSourceId, deliveryId });
    }

    /// <summary>CurParser's <c>ReportAvailable</c> queue (named by its endpoint conventions; found, not assumed).</summary>
    public async Task<string> ReportQueueAsync() =>
        (await VirtualHost.QueuesAsync()).Single(q => q.EndsWith("report-available", StringComparison.Ordinal));

    /// <summary>True when CurParser's queue holds nothing, ready or unacknowledged.</summary>
    public async Task<bool> QueueDrainedAsync() => await VirtualHost.MessagesInQueueAsync(await ReportQueueAsync()) == 0;

    /// <summary>Messages in the queue's <c>_error</c> queue (poison messages).</summary>
    public async Task<int> ErrorMessagesAsync() => await VirtualHost.MessagesInQueueAsync(await ReportQueueAsync() + "_error");

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        foreach (var parser in _parsers)
        {
            await parser.DisposeAsync();
        }

        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }

        S3.Dispose();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>One organization's data source.</summary>
public sealed record Tenant(Guid OrganizationId, Guid DataSourceId)
{
    public static Tenant New() => new(Guid.NewGuid(), Guid.NewGuid());
}

public sealed record CurrentImport(Guid ImportId, string DeliveryId, long? Rows, string? Totals);

using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// CurParser as a real process (its meters and queues its own) on a fresh database and virtual host,
/// a peer on the bus, and a moto bucket holding the workshop's Parquet report.
/// </summary>
public sealed class ParserProcess : IAsyncDisposable
{
    public const long WorkshopRows = 119_307;
    public const string WorkshopKey = "cur/hourly/hourly/year=2018/month=10/hourly-00001.snappy.parquet";

    private readonly TestDatabase _database;
    private readonly AmazonS3Client _s3;

    private ParserProcess(TestDatabase database, TestVirtualHost virtualHost, ServiceProcess parser, PeerBus peer, AmazonS3Client s3, string bucket, long workshopBytes)
    {
        _database = database;
        VirtualHost = virtualHost;
        Parser = parser;
        Peer = peer;
        _s3 = s3;
        Bucket = bucket;
        WorkshopBytes = workshopBytes;
    }

    public TestVirtualHost VirtualHost { get; }

    public ServiceProcess Parser { get; }

    public PeerBus Peer { get; }

    public string Bucket { get; }

    public long WorkshopBytes { get; }

    /// <summary>The parser's database, as an administrator reads it (digiusher-admin).</summary>
    public string DatabaseConnectionString => _database.AdminConnectionString;

    /// <param name="settings">Extra configuration of the parser (environment variable names).</param>
    public static async Task<ParserProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        // Read first: a missing sample must fail the test before a parser process exists to leak.
        var content = await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-parquet-wa-workshop/Oct2018-WorkshopCUR-00001.snappy.parquet"));
        var database = await TestDatabase.CreateAsync();
        var vhost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("CurParser", database, vhost);
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        await ServiceProcess.MigrateAsync("CurParser", environment);
        var parser = await ServiceProcess.StartAsync("CurParser", environment, readyTimeout: TimeSpan.FromSeconds(90));
        var peer = await PeerBus.StartAsync(vhost);
        var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"),
            new AmazonS3Config { ServiceURL = TestEnvironment.SharedMotoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var bucket = "cur-" + Guid.NewGuid().ToString("N")[..20];
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = WorkshopKey, InputStream = new MemoryStream(content) });
        return new ParserProcess(database, vhost, parser, peer, s3, bucket, content.Length);
    }

    /// <summary>The workshop report as a new delivery of a new data source.</summary>
    public ReportAvailable WorkshopDelivery(Guid dataSourceId) =>
        new(Guid.NewGuid(), dataSourceId, $"{dataSourceId}:2018-10:oct-1", "2018-10", "hourly", ReportFormat.Parquet,
            "oct-1", Bucket, "us-east-1", null, [new ReportFile(WorkshopKey, WorkshopBytes, "etag-1")], DateTimeOffset.UtcNow);

    public bool Imported(Guid dataSourceId) => Peer.Recorded.All.OfType<ReportImported>().Any(e => e.DataSourceId == dataSourceId);

    public async ValueTask DisposeAsync()
    {
        await Peer.DisposeAsync();
        await Parser.DisposeAsync();
        _s3.Dispose();
        await VirtualHost.DisposeAsync();
        await _database.DisposeAsync();
    }
}

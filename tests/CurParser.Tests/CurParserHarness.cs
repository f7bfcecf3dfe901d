using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// The real CurParser (in-process host: its consumer, outbox, HTTP API) on a database and a RabbitMQ
/// virtual host of its own, S3 on the shared moto (a unique bucket), and the test's peer on the bus,
/// which plays DataSource's side of the <c>GetAwsCredentials</c> contract and records the events published.
/// </summary>
internal sealed class CurParserHarness : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly TestVirtualHost _virtualHost;
    private readonly WebApplicationFactory<Program> _parser;
    private readonly PeerBus _peer;

    private CurParserHarness(TestDatabase database, TestVirtualHost virtualHost, WebApplicationFactory<Program> parser, PeerBus peer, IAmazonS3 s3, string bucket)
    {
        _database = database;
        _virtualHost = virtualHost;
        _parser = parser;
        _peer = peer;
        S3 = s3;
        Bucket = bucket;
    }

    public IAmazonS3 S3 { get; }

    public IServiceProvider Services => _parser.Services;

    public string Bucket { get; }

    public TestVirtualHost VirtualHost => _virtualHost;

    public IReadOnlyList<IIntegrationMessage> Events => _peer.Recorded.All;

    public Guid OrganizationId { get; } = Guid.NewGuid();

    public Guid DataSourceId { get; } = Guid.NewGuid();

    public static async Task<CurParserHarness> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("CurParser", database, virtualHost);
        var parser = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (key, value) in environment.Where(e => e.Key.Contains("__", StringComparison.Ordinal)))
            {
                web.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }
        });

        var migrations = parser.Services.GetRequiredService<MigrationRunner>();
        await migrations.MigrateAsync(typeof(MigrationRunner).Assembly, typeof(Program).Assembly, CancellationToken.None);

        var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = TestEnvironment.SharedMotoUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        var bucket = "cur-" + Guid.NewGuid().ToString("N")[..20];
        await s3.PutBucketAsync(bucket);

        return new CurParserHarness(database, virtualHost, parser, await PeerBus.StartAsync(virtualHost), s3, bucket);
    }

    public async Task<ReportFile> UploadAsync(string key, byte[] content)
    {
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content) });
        return new ReportFile(key, content.Length, Guid.NewGuid().ToString("N"));
    }

    public ReportAvailable Delivery(string deliveryId, DateTimeOffset detectedAt, ReportFormat format, IReadOnlyList<ReportFile> files, string period = "2024-01") =>
        new(OrganizationId, DataSourceId, $"{DataSourceId}:{period}:{deliveryId}", period, "hourly", format, deliveryId, Bucket, "us-east-1", null, files, detectedAt);

    public async Task PublishAsync(ReportAvailable message) =>
        await _peer.PublishAsync(message);

    public Task<T> WaitForAsync<T>(Func<T, bool> match, string what, int seconds = 90)
        where T : class =>
        Eventually.Get(() => Task.FromResult(Events.OfType<T>().FirstOrDefault(match)), TimeSpan.FromSeconds(seconds), what);

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_database.AdminConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await OpenAsync();
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    public HttpClient CreateClient(string? token)
    {
        var client = _parser.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A token of one of DigiUsher's own services holding the rollup scope (only Query's is accepted).</summary>
    public static string InternalTokenFor(string service) => TestIssuer.Shared.ServiceToken(service, [Scopes.ImportRollupsRead]);

    public async ValueTask DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _parser.DisposeAsync();
        S3.Dispose();
        await _virtualHost.DisposeAsync();
        await _database.DisposeAsync();
    }
}

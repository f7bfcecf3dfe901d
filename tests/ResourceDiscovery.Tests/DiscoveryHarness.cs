using System.Net.Http.Headers;
using Amazon.Runtime;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>
/// The ResourceDiscovery service as a real process on its own database, virtual host and moto, plus the
/// test's peer on the bus, which answers <c>GetAwsCredentials</c> (the DataSource contract boundary)
/// with the keys granted to each data source and records what discovery publishes.
/// </summary>
public sealed class DiscoveryHarness : IAsyncDisposable
{
    public static readonly BasicAWSCredentials MotoRoot = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    private DiscoveryHarness(TestDatabase database, TestVirtualHost virtualHost, MotoServer moto)
    {
        Database = database;
        VirtualHost = virtualHost;
        Moto = moto;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public MotoServer Moto { get; }

    public DiscoveryEvents Events => new(Peer.Recorded);

    public ServiceProcess Service { get; private set; } = null!;

    private PeerBus Peer { get; set; } = null!;

    public static async Task<DiscoveryHarness> StartAsync(MotoServer moto)
    {
        var harness = new DiscoveryHarness(await TestDatabase.CreateAsync(), await TestVirtualHost.CreateAsync(), moto);
        var environment = ServiceProcess.EnvironmentFor("ResourceDiscovery", harness.Database, harness.VirtualHost, moto.Url);
        environment["Discovery__SchedulerTick"] = "00:00:01";
        environment["Discovery__MaxParallelRegions"] = "6";
        environment["Discovery__ChunkSize"] = "50";

        // moto builds each region's EC2 backend on first use (seconds each); three regions keep runs short.
        environment["Discovery__Regions__0"] = "us-east-1";
        environment["Discovery__Regions__1"] = "eu-west-1";
        environment["Discovery__Regions__2"] = "eu-central-1";
        await ServiceProcess.MigrateAsync("ResourceDiscovery", environment);
        harness.Service = await ServiceProcess.StartAsync("ResourceDiscovery", environment);

        harness.Peer = await PeerBus.StartAsync(harness.VirtualHost);
        // Only data sources granted keys get any: others are answered AwsCredentialsUnavailable.
        harness.Peer.Credentials.Default = null;
        return harness;
    }

    /// <summary>The keys DataSource would hand out for <paramref name="dataSourceId"/>.</summary>
    public void GrantKeys(Guid dataSourceId, BasicAWSCredentials keys)
    {
        var immutable = keys.GetCredentials();
        Peer.Credentials.Keys[dataSourceId] = (immutable.AccessKey, immutable.SecretKey);
    }

    public Task PublishAsync<T>(T message)
        where T : class => Peer.PublishAsync(message);

    public async Task<Guid> ConnectAsync(Guid organizationId, BasicAWSCredentials keys, string creatorEmail = "creator@example.com", IReadOnlyList<string>? disabled = null)
    {
        var dataSourceId = Guid.NewGuid();
        GrantKeys(dataSourceId, keys);
        await PublishAsync(new DataSourceConnected(organizationId, dataSourceId, $"connected:{dataSourceId}", Settings(creatorEmail, disabled), DateTimeOffset.UtcNow));
        return dataSourceId;
    }

    public static DataSourceSettings Settings(string creatorEmail, IReadOnlyList<string>? disabled = null) =>
        new("Root account", "aws-root", "billing-bucket", "cur", "hourly", "us-east-1", "123456789012", Guid.NewGuid(), creatorEmail, disabled ?? []);

    public Task<DiscoveryCompleted> CompletedAsync(Guid dataSourceId, int count = 1) =>
        Eventually.Get(
            () => Task.FromResult(Events.Completed.Where(c => c.DataSourceId == dataSourceId).OrderBy(c => c.CompletedAt).Skip(count - 1).FirstOrDefault()),
            TimeSpan.FromSeconds(150),
            $"discovery run {count} of {dataSourceId} to complete (failed: {string.Join("; ", Events.Failed.Select(f => f.Reason))})");

    /// <summary>The run's resources, once all its chunks arrived.</summary>
    public async Task<IReadOnlyList<ResourcesDiscovered>> ChunksOfAsync(DiscoveryCompleted run)
    {
        await Eventually.True(
            () => Task.FromResult(Events.Chunks.Where(c => c.RunId == run.RunId).GroupBy(c => (c.Region, c.ResourceType)).All(g => g.Count() == g.First().ChunkCount)
                && Events.Chunks.Where(c => c.RunId == run.RunId).Sum(c => c.Resources.Count) == run.Counts.Values.Sum()),
            TimeSpan.FromSeconds(60),
            "every chunk of the run");
        return Events.Chunks.Where(c => c.RunId == run.RunId).ToList();
    }

    public HttpClient ApiClient(Guid organizationId, string role = DigiUsherClaims.AdminRole)
    {
        var http = Service.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(organizationId, role));
        return http;
    }

    public static string Token(Guid organizationId, string role) => TestIssuer.Shared.Token(organizationId, role, email: "admin@example.com");

    public async ValueTask DisposeAsync()
    {
        if (Peer is not null)
        {
            await Peer.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>What discovery published.</summary>
    public sealed class DiscoveryEvents(RecordedMessages recorded)
    {
        public IReadOnlyList<ResourcesDiscovered> Chunks => [.. recorded.All.OfType<ResourcesDiscovered>()];

        public IReadOnlyList<DiscoveryCompleted> Completed => [.. recorded.All.OfType<DiscoveryCompleted>()];

        public IReadOnlyList<DiscoveryFailed> Failed => [.. recorded.All.OfType<DiscoveryFailed>()];

        public IReadOnlyList<OrganizationAccountsListed> AccountLists => [.. recorded.All.OfType<OrganizationAccountsListed>()];
    }
}

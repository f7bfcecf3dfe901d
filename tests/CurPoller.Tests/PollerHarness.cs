using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// A real CurPoller process on its own database and virtual host, plus the test's peer on the bus,
/// which plays DataSource's part (<c>GetAwsCredentials</c>) and records what CurPoller publishes.
/// </summary>
public sealed class PollerHarness : IAsyncDisposable
{
    private PollerHarness(TestDatabase database, TestVirtualHost virtualHost, ServiceProcess poller, PeerBus peer)
    {
        Database = database;
        VirtualHost = virtualHost;
        Poller = poller;
        Peer = peer;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public ServiceProcess Poller { get; }

    public PeerBus Peer { get; }

    public RecordedMessages Recorded => Peer.Recorded;

    /// <summary>The keys each data source gets (moto's defaults unless a test says otherwise).</summary>
    public CredentialBook Credentials => Peer.Credentials;

    public IBus Bus => Peer.Bus;

    public static async Task<PollerHarness> StartAsync(string? motoUrl = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var peer = await PeerBus.StartAsync(virtualHost);
        var environment = ServiceProcess.EnvironmentFor("CurPoller", database, virtualHost, motoUrl);
        // No CUR API in moto: point it at a closed port so the poller falls back to scanning at once.
        environment["Aws__CurServiceUrl"] = $"http://127.0.0.1:{FreePort.Next()}";
        environment["CurPoller__SchedulerTick"] = "00:00:01";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        await MigrateAsync(database);
        var poller = await ServiceProcess.StartAsync("CurPoller", environment);
        return new PollerHarness(database, virtualHost, poller, peer);
    }

    /// <summary>Publishes DataSourceConnected and waits for the first poll's outcome.</summary>
    public async Task<PollOutcome> ConnectAsync(Guid organizationId, Guid dataSourceId, string bucket, string prefix, string? reportName = null)
    {
        var polls = Recorded.PollsOf(dataSourceId).Count;
        await Bus.Publish(new DataSourceConnected(organizationId, dataSourceId, $"connected:{dataSourceId}", Settings(bucket, prefix, reportName), DateTimeOffset.UtcNow));
        return await WaitForPollAsync(dataSourceId, polls);
    }

    /// <summary>Publishes PollRequested and waits for that poll's outcome and the deliveries it published.</summary>
    public async Task<PollOutcome> PollAsync(Guid organizationId, Guid dataSourceId)
    {
        var polls = Recorded.PollsOf(dataSourceId).Count;
        await Bus.Publish(new PollRequested(organizationId, dataSourceId, $"poll:{Guid.NewGuid()}", DateTimeOffset.UtcNow));
        return await WaitForPollAsync(dataSourceId, polls);
    }

    public async Task<PollOutcome> WaitForPollAsync(Guid dataSourceId, int pollsBefore)
    {
        var outcome = await Eventually.Get(
            () => Task.FromResult(Recorded.PollsOf(dataSourceId).Skip(pollsBefore).FirstOrDefault()),
            TimeSpan.FromSeconds(90),
            $"a poll of {dataSourceId}");
        var expected = Recorded.PollsOf(dataSourceId).OfType<ReportPollCompleted>().Sum(p => p.DeliveriesPublished);
        await Eventually.True(
            () => Task.FromResult(Recorded.AvailableFor(dataSourceId).Count >= expected),
            TimeSpan.FromSeconds(60),
            $"{expected} ReportAvailable of {dataSourceId}");
        return new PollOutcome(outcome, Recorded.AvailableFor(dataSourceId));
    }

    /// <summary>
    /// The service's own migrations, applied in-process by the same runner <c>migrate</c> uses (the
    /// separate migrate process is covered by Foundation.Tests; here it would only add start-up time).
    /// </summary>
    private static async Task MigrateAsync(TestDatabase database)
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionStringFor("CurPoller"));
        var runner = new MigrationRunner(dataSource, new DigiUsherService("cur-poller", "curpoller"), NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(typeof(MigrationRunner).Assembly, typeof(Program).Assembly, CancellationToken.None);
    }

    public static DataSourceSettings Settings(string bucket, string prefix, string? reportName = null) =>
        new("Payer", "aws-root", bucket, prefix, reportName, "us-east-1", "123456789012", Guid.NewGuid(), "owner@example.com", []);

    public async ValueTask DisposeAsync()
    {
        await Poller.DisposeAsync();
        await Peer.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

}

/// <summary>The outcome of one poll: ReportPollCompleted or ReportPollFailed, and every delivery published so far.</summary>
public sealed record PollOutcome(IIntegrationMessage Event, IReadOnlyList<(Guid MessageId, ReportAvailable Message)> Available)
{
    public ReportPollCompleted Completed => Assert.IsType<ReportPollCompleted>(Event);

    public ReportPollFailed Failed => Assert.IsType<ReportPollFailed>(Event);
}

/// <summary>CurPoller's events among what the peer recorded.</summary>
public static class PollerRecords
{
    public static IReadOnlyList<IIntegrationMessage> PollsOf(this RecordedMessages recorded, Guid dataSourceId) =>
        [.. recorded.All.Where(m => m.DataSourceId == dataSourceId && m is ReportPollCompleted or ReportPollFailed)];

    public static IReadOnlyList<(Guid MessageId, ReportAvailable Message)> AvailableFor(this RecordedMessages recorded, Guid dataSourceId) =>
        recorded.WithIdsOf<ReportAvailable>(dataSourceId);
}

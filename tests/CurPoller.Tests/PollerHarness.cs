using System.Collections.Concurrent;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// A real CurPoller process on its own database and virtual host, plus a small bus host that plays
/// DataSource's part at the message boundary: it answers <c>GetAwsCredentials</c> with sealed keys
/// and records what CurPoller publishes.
/// </summary>
public sealed class PollerHarness : IAsyncDisposable
{
    private PollerHarness(TestDatabase database, TestVirtualHost virtualHost, ServiceProcess poller, WebApplication bus, Recorded recorded, CredentialBook book)
    {
        Database = database;
        VirtualHost = virtualHost;
        Poller = poller;
        BusHost = bus;
        Recorded = recorded;
        Credentials = book;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public ServiceProcess Poller { get; }

    public WebApplication BusHost { get; }

    public Recorded Recorded { get; }

    /// <summary>The keys each data source gets (moto's defaults unless a test says otherwise).</summary>
    public CredentialBook Credentials { get; }

    public IBus Bus => BusHost.Services.GetRequiredService<IBus>();

    public static async Task<PollerHarness> StartAsync(string? motoUrl = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var recorded = new Recorded();
        var book = new CredentialBook();
        var bus = BuildBus(virtualHost, recorded, book);
        await bus.StartAsync();
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
        return new PollerHarness(database, virtualHost, poller, bus, recorded, book);
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
        await BusHost.StopAsync();
        await BusHost.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

    private static WebApplication BuildBus(TestVirtualHost virtualHost, Recorded recorded, CredentialBook book)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:VirtualHost"] = virtualHost.Name;
        builder.Configuration["RabbitMq:Host"] = TestEnvironment.RabbitHost;
        builder.Services.AddSingleton(recorded);
        builder.Services.AddSingleton(book);
        builder.Services.AddSingleton(new CredentialSealer(Options.Create(new CredentialTransportOptions { TransportKey = TestEnvironment.TransportKey })));
        builder.AddMessageBus(bus =>
        {
            bus.AddConsumer<TestCredentialsResponder>();
            bus.AddConsumer<TestRecorder>();
        });
        return builder.Build();
    }
}

/// <summary>The outcome of one poll: ReportPollCompleted or ReportPollFailed, and every delivery published so far.</summary>
public sealed record PollOutcome(IIntegrationMessage Event, IReadOnlyList<(Guid MessageId, ReportAvailable Message)> Available)
{
    public ReportPollCompleted Completed => Assert.IsType<ReportPollCompleted>(Event);

    public ReportPollFailed Failed => Assert.IsType<ReportPollFailed>(Event);
}

/// <summary>Which keys each data source is given; a data source listed in <see cref="Unavailable"/> gets AwsCredentialsUnavailable.</summary>
public sealed class CredentialBook
{
    public ConcurrentDictionary<Guid, (string AccessKeyId, string Secret)> Keys { get; } = new();

    public ConcurrentDictionary<Guid, string> Unavailable { get; } = new();

    public (string AccessKeyId, string Secret) Default { get; set; } = ("testing", "testing");

    public ConcurrentQueue<GetAwsCredentials> Requests { get; } = new();
}

/// <summary>What CurPoller published, in arrival order.</summary>
public sealed class Recorded
{
    private readonly ConcurrentQueue<(Guid MessageId, IIntegrationMessage Message)> _messages = new();

    public void Add(Guid messageId, IIntegrationMessage message) => _messages.Enqueue((messageId, message));

    public IReadOnlyList<IIntegrationMessage> PollsOf(Guid dataSourceId) =>
        _messages.Select(m => m.Message).Where(m => m.DataSourceId == dataSourceId && m is ReportPollCompleted or ReportPollFailed).ToList();

    public IReadOnlyList<(Guid MessageId, ReportAvailable Message)> AvailableFor(Guid dataSourceId) =>
        _messages.Where(m => m.Message is ReportAvailable && m.Message.DataSourceId == dataSourceId)
            .Select(m => (m.MessageId, (ReportAvailable)m.Message)).ToList();

    public IReadOnlyList<IIntegrationMessage> All => _messages.Select(m => m.Message).ToList();
}

public sealed class TestCredentialsResponder(CredentialBook book, CredentialSealer sealer) : IConsumer<GetAwsCredentials>
{
    public async Task Consume(ConsumeContext<GetAwsCredentials> context)
    {
        var request = context.Message;
        book.Requests.Enqueue(request);
        if (book.Unavailable.TryGetValue(request.DataSourceId, out var reason))
        {
            await context.RespondAsync(new AwsCredentialsUnavailable(request.OrganizationId, request.DataSourceId, request.IdempotencyKey, reason));
            return;
        }

        var (accessKeyId, secret) = book.Keys.TryGetValue(request.DataSourceId, out var keys) ? keys : book.Default;
        await context.RespondAsync(new AwsCredentialsIssued(
            request.OrganizationId, request.DataSourceId, request.IdempotencyKey, accessKeyId, sealer.Seal(secret), null, "us-east-1", null));
    }
}

public sealed class TestRecorder(Recorded recorded) :
    IConsumer<ReportAvailable>, IConsumer<ReportPollCompleted>, IConsumer<ReportPollFailed>
{
    public Task Consume(ConsumeContext<ReportAvailable> context) => Record(context);

    public Task Consume(ConsumeContext<ReportPollCompleted> context) => Record(context);

    public Task Consume(ConsumeContext<ReportPollFailed> context) => Record(context);

    private Task Record<T>(ConsumeContext<T> context)
        where T : class, IIntegrationMessage
    {
        recorded.Add(context.MessageId ?? Guid.Empty, context.Message);
        return Task.CompletedTask;
    }
}


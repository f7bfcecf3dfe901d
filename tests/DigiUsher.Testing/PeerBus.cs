using System.Collections.Concurrent;
using System.Globalization;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DigiUsher.Testing;

/// <summary>
/// The test's side of the message boundary, on the broker the services under test use: it publishes
/// what other services would, plays DataSource's part of the <c>GetAwsCredentials</c> contract (keys
/// sealed with the transport key, as DataSource seals them) and records every event the services
/// publish, with the message id each copy arrived with.
/// </summary>
public sealed class PeerBus : IAsyncDisposable
{
    private readonly WebApplication _host;

    private PeerBus(WebApplication host, CredentialBook credentials, RecordedMessages recorded)
    {
        _host = host;
        Credentials = credentials;
        Recorded = recorded;
    }

    /// <summary>Which keys each data source is given.</summary>
    public CredentialBook Credentials { get; }

    public RecordedMessages Recorded { get; }

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public Task PublishAsync<T>(T message)
        where T : class => Bus.Publish(message);

    /// <summary>Asks for a data source's keys as CurPoller, CurParser and ResourceDiscovery do (DataSource answers).</summary>
    public async Task<Response<AwsCredentialsIssued, AwsCredentialsUnavailable>> RequestCredentialsAsync(Guid organizationId, Guid dataSourceId, string? accountId = null) =>
        await Bus.CreateRequestClient<GetAwsCredentials>(RequestTimeout.After(s: 60))
            .GetResponse<AwsCredentialsIssued, AwsCredentialsUnavailable>(new GetAwsCredentials(organizationId, dataSourceId, Guid.NewGuid().ToString(), "cur-poller", accountId));

    /// <summary>A peer on a virtual host of the shared broker.</summary>
    public static Task<PeerBus> StartAsync(TestVirtualHost virtualHost, bool answerCredentials = true) =>
        StartAsync(TestEnvironment.RabbitHost, TestEnvironment.RabbitPort, virtualHost.Name, answerCredentials, brokerGoesDown: false);

    /// <summary>A peer connected as a RabbitMQ user of its own (see <see cref="TestVirtualHost.CreateUserAsync"/>).</summary>
    public static Task<PeerBus> StartAsync(TestVirtualHost virtualHost, (string Username, string Password) user) =>
        StartAsync(TestEnvironment.RabbitHost, TestEnvironment.RabbitPort, virtualHost.Name, answerCredentials: false, brokerGoesDown: false, user);

    /// <summary>A peer on a test's own broker node, which the test stops on purpose.</summary>
    public static Task<PeerBus> StartAsync(DedicatedRabbitMq rabbit) =>
        StartAsync(rabbit.Host, rabbit.Port, rabbit.VirtualHost, answerCredentials: true, brokerGoesDown: true);

    private static async Task<PeerBus> StartAsync(string host, int port, string virtualHost, bool answerCredentials, bool brokerGoesDown, (string Username, string Password)? user = null)
    {
        var credentials = new CredentialBook();
        var recorded = new RecordedMessages();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:Host"] = host;
        builder.Configuration["RabbitMq:Port"] = port.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["RabbitMq:VirtualHost"] = virtualHost;
        if (user is { } login)
        {
            builder.Configuration["RabbitMq:Username"] = login.Username;
            builder.Configuration["RabbitMq:Password"] = login.Password;
        }

        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton(recorded);
        builder.Services.AddSingleton(new CredentialSealer(Options.Create(new CredentialTransportOptions { TransportKey = TestEnvironment.TransportKey })));
        if (brokerGoesDown)
        {
            // Its reconnect attempts are expected, not news.
            builder.Logging.AddFilter("MassTransit", LogLevel.Critical);
        }

        // Started means its queue and bindings exist: an event published before that would reach no
        // queue of the peer and be missed by the test.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.AddMessageBus(bus =>
        {
            if (answerCredentials)
            {
                bus.AddConsumer<PeerCredentialsResponder>();
            }

            bus.AddConsumer<PeerEventRecorder>();
        });
        var app = builder.Build();
        await app.StartAsync();
        return new PeerBus(app, credentials, recorded);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(stop.Token);
        await _host.DisposeAsync();
    }
}

/// <summary>
/// The keys DataSource would hand out: a data source's own, else <see cref="Default"/>; a data source
/// in <see cref="Unavailable"/>, or one with no keys and no default, gets <c>AwsCredentialsUnavailable</c>.
/// </summary>
public sealed class CredentialBook
{
    /// <summary>moto accepts any key unless it enforces IAM; the secret is distinctive so a leak anywhere is found by a plain text search.</summary>
    public const string MotoSecretAccessKey = "RelTestSecret+q7Zx1Vb3Nm5Kp9Lw2Hd4Fg6Js8";

    public ConcurrentDictionary<Guid, (string AccessKeyId, string Secret)> Keys { get; } = new();

    public ConcurrentDictionary<Guid, string> Unavailable { get; } = new();

    public (string AccessKeyId, string Secret)? Default { get; set; } = ("testing", MotoSecretAccessKey);

    public ConcurrentQueue<GetAwsCredentials> Requests { get; } = new();
}

/// <summary>What the services published, in arrival order, with message ids (a redelivered copy has the same id).</summary>
public sealed class RecordedMessages
{
    private readonly ConcurrentQueue<(Guid MessageId, IIntegrationMessage Message)> _messages = new();

    public void Add(Guid messageId, IIntegrationMessage message) => _messages.Enqueue((messageId, message));

    public IReadOnlyList<IIntegrationMessage> All => [.. _messages.Select(m => m.Message)];

    public IReadOnlyList<T> Of<T>(Guid dataSourceId)
        where T : IIntegrationMessage => [.. _messages.Select(m => m.Message).OfType<T>().Where(m => m.DataSourceId == dataSourceId)];

    /// <summary>Every copy of one kind for a data source, with the message id it arrived with.</summary>
    public IReadOnlyList<(Guid MessageId, T Message)> WithIdsOf<T>(Guid dataSourceId)
        where T : IIntegrationMessage =>
        [.. _messages.Where(m => m.Message is T && m.Message.DataSourceId == dataSourceId).Select(m => (m.MessageId, (T)m.Message))];

    /// <summary>The distinct message ids of one kind for a data source.</summary>
    public IReadOnlyList<Guid> MessageIdsOf<T>(Guid dataSourceId, Func<T, bool> where)
        where T : IIntegrationMessage =>
        [.. _messages.Where(m => m.Message is T t && t.DataSourceId == dataSourceId && where(t)).Select(m => m.MessageId).Distinct()];

    public int Count<T>(Guid dataSourceId)
        where T : IIntegrationMessage => _messages.Count(m => m.Message is T && m.Message.DataSourceId == dataSourceId);
}

internal sealed class PeerCredentialsResponder(CredentialBook book, CredentialSealer sealer) : IConsumer<GetAwsCredentials>
{
    public async Task Consume(ConsumeContext<GetAwsCredentials> context)
    {
        var request = context.Message;
        book.Requests.Enqueue(request);
        var keys = book.Keys.TryGetValue(request.DataSourceId, out var own) ? own : book.Default;
        if (book.Unavailable.TryGetValue(request.DataSourceId, out var reason) || keys is null)
        {
            await context.RespondAsync(new AwsCredentialsUnavailable(
                request.OrganizationId, request.DataSourceId, request.IdempotencyKey, reason ?? "No such data source."));
            return;
        }

        await context.RespondAsync(new AwsCredentialsIssued(
            request.OrganizationId, request.DataSourceId, request.IdempotencyKey, keys.Value.AccessKeyId, sealer.Seal(keys.Value.Secret), null, "us-east-1", null));
    }
}

/// <summary>Every event a service publishes (requests and their answers are not events).</summary>
internal sealed class PeerEventRecorder(RecordedMessages recorded) :
    IConsumer<DataSourceConnected>, IConsumer<DataSourceUpdated>, IConsumer<DataSourceRemoved>, IConsumer<PollRequested>,
    IConsumer<ReportAvailable>, IConsumer<ReportPollCompleted>, IConsumer<ReportPollFailed>,
    IConsumer<ReportImportStarted>, IConsumer<ReportImported>, IConsumer<ReportImportFailed>, IConsumer<CostsImported>,
    IConsumer<ResourcesDiscovered>, IConsumer<DiscoveryCompleted>, IConsumer<DiscoveryFailed>, IConsumer<OrganizationAccountsListed>
{
    public Task Consume(ConsumeContext<DataSourceConnected> context) => Record(context);

    public Task Consume(ConsumeContext<DataSourceUpdated> context) => Record(context);

    public Task Consume(ConsumeContext<DataSourceRemoved> context) => Record(context);

    public Task Consume(ConsumeContext<PollRequested> context) => Record(context);

    public Task Consume(ConsumeContext<ReportAvailable> context) => Record(context);

    public Task Consume(ConsumeContext<ReportPollCompleted> context) => Record(context);

    public Task Consume(ConsumeContext<ReportPollFailed> context) => Record(context);

    public Task Consume(ConsumeContext<ReportImportStarted> context) => Record(context);

    public Task Consume(ConsumeContext<ReportImported> context) => Record(context);

    public Task Consume(ConsumeContext<ReportImportFailed> context) => Record(context);

    public Task Consume(ConsumeContext<CostsImported> context) => Record(context);

    public Task Consume(ConsumeContext<ResourcesDiscovered> context) => Record(context);

    public Task Consume(ConsumeContext<DiscoveryCompleted> context) => Record(context);

    public Task Consume(ConsumeContext<DiscoveryFailed> context) => Record(context);

    public Task Consume(ConsumeContext<OrganizationAccountsListed> context) => Record(context);

    private Task Record<T>(ConsumeContext<T> context)
        where T : class, IIntegrationMessage
    {
        recorded.Add(context.MessageId ?? Guid.Empty, context.Message);
        return Task.CompletedTask;
    }
}

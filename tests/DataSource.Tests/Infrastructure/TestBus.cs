using System.Collections.Concurrent;
using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.DataSource.Tests.Infrastructure;

/// <summary>
/// Another service on the test's virtual host: it records the DataSource events it receives, sends
/// <c>GetAwsCredentials</c> requests and publishes status events, as CurPoller, CurParser and
/// ResourceDiscovery would.
/// </summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBus(WebApplication app, Received received)
    {
        _app = app;
        Messages = received;
    }

    public Received Messages { get; }

    public IBus Bus => _app.Services.GetRequiredService<IBus>();

    public static async Task<TestBus> StartAsync(TestVirtualHost virtualHost)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:VirtualHost"] = virtualHost.Name;
        builder.Configuration["RabbitMq:Host"] = TestEnvironment.RabbitHost;
        var received = new Received();
        builder.Services.AddSingleton(received);
        builder.AddMessageBus(bus =>
        {
            bus.AddConsumer<RecordingConsumer>().Endpoint(e => e.Name = "test-recorder");
            bus.AddDataSourceCredentialsRequestClient();
        });
        var app = builder.Build();
        await app.StartAsync();
        return new TestBus(app, received);
    }

    public async Task<Response<AwsCredentialsIssued, AwsCredentialsUnavailable>> RequestCredentialsAsync(Guid organizationId, Guid dataSourceId) =>
        await _app.Services.GetRequiredService<IRequestClient<GetAwsCredentials>>()
            .GetResponse<AwsCredentialsIssued, AwsCredentialsUnavailable>(
                new GetAwsCredentials(organizationId, dataSourceId, Guid.NewGuid().ToString(), "cur-poller"),
                CancellationToken.None,
                RequestTimeout.After(s: 60));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed class Received
    {
        public ConcurrentQueue<object> All { get; } = new();

        public IEnumerable<T> OfType<T>() => All.OfType<T>();
    }

    private sealed class RecordingConsumer(Received received) :
        IConsumer<DataSourceConnected>, IConsumer<DataSourceUpdated>, IConsumer<DataSourceRemoved>, IConsumer<PollRequested>
    {
        public Task Consume(ConsumeContext<DataSourceConnected> context) => Record(context.Message);

        public Task Consume(ConsumeContext<DataSourceUpdated> context) => Record(context.Message);

        public Task Consume(ConsumeContext<DataSourceRemoved> context) => Record(context.Message);

        public Task Consume(ConsumeContext<PollRequested> context) => Record(context.Message);

        private Task Record(object message)
        {
            received.All.Enqueue(message);
            return Task.CompletedTask;
        }
    }
}

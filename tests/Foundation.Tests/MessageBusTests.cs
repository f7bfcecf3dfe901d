using System.Collections.Concurrent;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.Foundation.Tests;

public class MessageBusTests
{
    [Fact]
    public async Task Publish_WhenTwoOtherServicesSubscribe_EachConsumesItFromItsOwnQuorumQueue()
    {
        await using var vhost = await TestVirtualHost.CreateAsync();
        var receivedByPoller = new ConcurrentQueue<PollRequested>();
        var receivedByDiscovery = new ConcurrentQueue<PollRequested>();

        await using var poller = BuildHost(vhost, "cur-poller", bus => bus.AddConsumer<RecordingConsumer>(), receivedByPoller);
        await poller.StartAsync();
        await using var discovery = BuildHost(vhost, "resource-discovery", bus => bus.AddConsumer<RecordingConsumer>(), receivedByDiscovery);
        await discovery.StartAsync();
        await WaitForEndpointsAsync(poller);
        await WaitForEndpointsAsync(discovery);
        await using var publisher = BuildHost(vhost, "data-source", _ => { }, new ConcurrentQueue<PollRequested>());
        await publisher.StartAsync();

        var messages = Enumerable.Range(0, 4).Select(i => new PollRequested(Guid.NewGuid(), Guid.NewGuid(), $"key-{i}", DateTimeOffset.UtcNow)).ToList();
        foreach (var message in messages)
        {
            await publisher.Services.GetRequiredService<IBus>().Publish(message);
        }

        await Eventually.True(() => Task.FromResult(receivedByPoller.Count == 4 && receivedByDiscovery.Count == 4), TimeSpan.FromSeconds(30), "both services to receive every message");
        var queues = await vhost.QueuesAsync();
        Assert.Contains("cur-poller-recording", queues);
        Assert.Contains("resource-discovery-recording", queues);
        Assert.Equal("quorum", await QueueTypeAsync(vhost, "cur-poller-recording"));

        await publisher.StopAsync();
        await discovery.StopAsync();
        await poller.StopAsync();
    }

    [Fact]
    public async Task Consume_WhenTheConsumerAlwaysThrows_EndsInTheErrorQueueAfterRetries()
    {
        await using var vhost = await TestVirtualHost.CreateAsync();
        var received = new ConcurrentQueue<PollRequested>();
        await using var host = BuildHost(vhost, "poison-test", bus => bus.AddConsumer<PoisonConsumer, PoisonConsumerDefinition>(), received);
        await host.StartAsync();
        await WaitForEndpointsAsync(host);

        await host.Services.GetRequiredService<IBus>().Publish(new PollRequested(Guid.NewGuid(), Guid.NewGuid(), "poison", DateTimeOffset.UtcNow));

        await Eventually.True(async () => await vhost.MessagesInQueueAsync("poison-test-poison_error") == 1, TimeSpan.FromSeconds(30), "the message in poison-test-poison_error");
        Assert.Equal(0, await vhost.MessagesInQueueAsync("poison-test-poison"));
        await host.StopAsync();
    }

    // The bus starts in the background: a message published before a consumer's queue is bound to
    // its exchange would have nowhere to go.
    private static async Task WaitForEndpointsAsync(WebApplication host)
    {
        var health = await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        Assert.Equal(BusHealthStatus.Healthy, health);
    }

    private static async Task<string?> QueueTypeAsync(TestVirtualHost vhost, string queue)
    {
        using var http = new HttpClient { BaseAddress = TestEnvironment.RabbitManagement };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"api/queues/{vhost.Name}/{queue}"));
        return doc.RootElement.GetProperty("type").GetString();
    }

    private static WebApplication BuildHost(TestVirtualHost vhost, string service, Action<IBusRegistrationConfigurator> configure, ConcurrentQueue<PollRequested> received)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:VirtualHost"] = vhost.Name;
        builder.Configuration["RabbitMq:Host"] = TestEnvironment.RabbitHost;
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(new DigiUsherService(service, service.Replace('-', '_')));
        builder.AddMessageBus(configure);
        return builder.Build();
    }

    private sealed class RecordingConsumer(ConcurrentQueue<PollRequested> received) : IConsumer<PollRequested>
    {
        public Task Consume(ConsumeContext<PollRequested> context)
        {
            received.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    private sealed class PoisonConsumer : IConsumer<PollRequested>
    {
        public Task Consume(ConsumeContext<PollRequested> context) => throw new InvalidOperationException("always fails");
    }

    private sealed class PoisonConsumerDefinition : RetryingConsumerDefinition<PoisonConsumer>
    {
        protected override TimeSpan[] RetryIntervals { get; } = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)];
    }
}

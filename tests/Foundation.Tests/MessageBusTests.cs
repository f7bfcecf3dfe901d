using System.Collections.Concurrent;
using DigiUsher.Contracts;
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
    public async Task Publish_WhenAnotherHostSubscribes_IsConsumedOverRabbitMqOnAQuorumQueue()
    {
        await using var vhost = await TestVirtualHost.CreateAsync();
        var received = new ConcurrentQueue<PollRequested>();

        await using var consumerHost = BuildHost(vhost, bus => bus.AddConsumer<RecordingConsumer>(), received);
        await consumerHost.StartAsync();
        await using var publisherHost = BuildHost(vhost, _ => { }, received);
        await publisherHost.StartAsync();

        var message = new PollRequested(Guid.NewGuid(), Guid.NewGuid(), "key-1", DateTimeOffset.UtcNow);
        await publisherHost.Services.GetRequiredService<IBus>().Publish(message);

        await Eventually.True(() => Task.FromResult(received.Any(m => m.DataSourceId == message.DataSourceId)), TimeSpan.FromSeconds(30), "the consumer to receive the message");
        var queues = await vhost.QueuesAsync();
        Assert.Contains("recording", queues);
        Assert.Equal("quorum", await QueueTypeAsync(vhost, "recording"));

        await publisherHost.StopAsync();
        await consumerHost.StopAsync();
    }

    [Fact]
    public async Task Consume_WhenTheConsumerAlwaysThrows_EndsInTheErrorQueueAfterRetries()
    {
        await using var vhost = await TestVirtualHost.CreateAsync();
        var received = new ConcurrentQueue<PollRequested>();
        await using var host = BuildHost(vhost, bus => bus.AddConsumer<PoisonConsumer, PoisonConsumerDefinition>(), received);
        await host.StartAsync();

        await host.Services.GetRequiredService<IBus>().Publish(new PollRequested(Guid.NewGuid(), Guid.NewGuid(), "poison", DateTimeOffset.UtcNow));

        await Eventually.True(async () => await vhost.MessagesInQueueAsync("poison_error") == 1, TimeSpan.FromSeconds(30), "the message in poison_error");
        Assert.Equal(0, await vhost.MessagesInQueueAsync("poison"));
        await host.StopAsync();
    }

    private static async Task<string?> QueueTypeAsync(TestVirtualHost vhost, string queue)
    {
        using var http = new HttpClient { BaseAddress = TestEnvironment.RabbitManagement };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"api/queues/{vhost.Name}/{queue}"));
        return doc.RootElement.GetProperty("type").GetString();
    }

    private static WebApplication BuildHost(TestVirtualHost vhost, Action<IBusRegistrationConfigurator> configure, ConcurrentQueue<PollRequested> received)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:VirtualHost"] = vhost.Name;
        builder.Configuration["RabbitMq:Host"] = TestEnvironment.RabbitHost;
        builder.Services.AddSingleton(received);
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

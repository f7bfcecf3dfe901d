using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Amazon.Runtime;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>
/// The ResourceDiscovery service as a real process on its own database, virtual host and moto, plus a
/// bus endpoint that answers <c>GetAwsCredentials</c> (the DataSource contract boundary: the keys are
/// sealed as DataSource seals them) and records what discovery publishes.
/// </summary>
public sealed class DiscoveryHarness : IAsyncDisposable
{
    public static readonly BasicAWSCredentials MotoRoot = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    private DiscoveryHarness(TestDatabase database, TestVirtualHost virtualHost, MotoServer moto, Published published)
    {
        Database = database;
        VirtualHost = virtualHost;
        Moto = moto;
        Events = published;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public MotoServer Moto { get; }

    public Published Events { get; }

    public ServiceProcess Service { get; private set; } = null!;

    private WebApplication Bus { get; set; } = null!;

    public static async Task<DiscoveryHarness> StartAsync(MotoServer moto)
    {
        var harness = new DiscoveryHarness(await TestDatabase.CreateAsync(), await TestVirtualHost.CreateAsync(), moto, new Published());
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

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["RabbitMq:VirtualHost"] = harness.VirtualHost.Name;
        builder.Configuration["RabbitMq:Host"] = TestEnvironment.RabbitHost;
        builder.Services.AddSingleton(harness.Events);
        builder.Services.AddSingleton(new CredentialSealer(Options.Create(new CredentialTransportOptions { TransportKey = TestEnvironment.TransportKey })));
        builder.AddMessageBus(bus =>
        {
            bus.AddConsumer<CredentialsResponder>();
            bus.AddConsumer<EventRecorder>();
        });
        harness.Bus = builder.Build();
        await harness.Bus.StartAsync();
        return harness;
    }

    /// <summary>The keys DataSource would hand out for <paramref name="dataSourceId"/>.</summary>
    public void GrantKeys(Guid dataSourceId, BasicAWSCredentials keys) => Events.Keys[dataSourceId] = keys;

    public Task PublishAsync<T>(T message)
        where T : class => Bus.Services.GetRequiredService<IBus>().Publish(message);

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

    public static string Token(Guid organizationId, string role)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "digiusher",
            Audience = "digiusher-api",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            Subject = new ClaimsIdentity(
            [
                new Claim(DigiUsherClaims.Subject, Guid.NewGuid().ToString()),
                new Claim(DigiUsherClaims.Organization, organizationId.ToString()),
                new Claim(DigiUsherClaims.Role, role),
                new Claim(DigiUsherClaims.Email, "admin@example.com"),
            ]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestEnvironment.JwtSigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Bus is not null)
        {
            await Bus.StopAsync();
            await Bus.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>What discovery published, and the keys the credentials responder hands out.</summary>
    public sealed class Published
    {
        public ConcurrentDictionary<Guid, BasicAWSCredentials> Keys { get; } = new();

        public ConcurrentQueue<ResourcesDiscovered> Chunks { get; } = new();

        public ConcurrentQueue<DiscoveryCompleted> Completed { get; } = new();

        public ConcurrentQueue<DiscoveryFailed> Failed { get; } = new();
    }

    private sealed class CredentialsResponder(Published published, CredentialSealer sealer) : IConsumer<GetAwsCredentials>
    {
        public async Task Consume(ConsumeContext<GetAwsCredentials> context)
        {
            var m = context.Message;
            if (!published.Keys.TryGetValue(m.DataSourceId, out var keys))
            {
                await context.RespondAsync(new AwsCredentialsUnavailable(m.OrganizationId, m.DataSourceId, m.IdempotencyKey, "No such data source."));
                return;
            }

            var immutable = keys.GetCredentials();
            await context.RespondAsync(new AwsCredentialsIssued(
                m.OrganizationId, m.DataSourceId, m.IdempotencyKey, immutable.AccessKey, sealer.Seal(immutable.SecretKey), null, "us-east-1", null));
        }
    }

    private sealed class EventRecorder(Published published) : IConsumer<ResourcesDiscovered>, IConsumer<DiscoveryCompleted>, IConsumer<DiscoveryFailed>
    {
        public Task Consume(ConsumeContext<ResourcesDiscovered> context)
        {
            published.Chunks.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<DiscoveryCompleted> context)
        {
            published.Completed.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<DiscoveryFailed> context)
        {
            published.Failed.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DigiUsher.DataSource.Tests.Infrastructure;

/// <summary>
/// The DataSource service in-process (WebApplicationFactory) on a fresh database, its own RabbitMQ
/// virtual host and the given moto, with every log line captured.
/// </summary>
public sealed class DataSourceHost : IAsyncDisposable
{
    private readonly Factory _factory;

    private DataSourceHost(TestDatabase database, TestVirtualHost virtualHost, Factory factory, string motoUrl)
    {
        Database = database;
        VirtualHost = virtualHost;
        _factory = factory;
        MotoUrl = motoUrl;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public string MotoUrl { get; }

    public LogCapture Logs => _factory.Logs;

    public IServiceProvider Services => _factory.Services;

    /// <summary>Every response body the clients of this host received.</summary>
    public List<string> ResponseBodies { get; } = [];

    public static async Task<DataSourceHost> StartAsync(string? motoUrl = null, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var moto = motoUrl ?? TestEnvironment.SharedMotoUrl;
        var settings = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost, moto);
        settings.Remove("Logging__Json");
        settings["RoleAssumption__AccessKeyId"] = "AKIAIOSFODNN7EXAMPLE";
        settings["RoleAssumption__SecretAccessKey"] = "digiusher-principal-secret";
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionStringFor("DataSource")))
        {
            await new MigrationRunner(dataSource, new DigiUsherService("data-source", "datasource"), NullLogger<MigrationRunner>.Instance)
                .MigrateAsync(typeof(MigrationRunner).Assembly, typeof(Program).Assembly, CancellationToken.None);
        }

        var factory = new Factory(settings);
        _ = factory.Server;
        return new DataSourceHost(database, virtualHost, factory, moto);
    }

    public HttpClient CreateClient(string? token = null)
    {
        var client = _factory.CreateDefaultClient(new RecordingHandler(ResponseBodies));
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Registers a new organization and returns its admin's token and ids.</summary>
    public async Task<TenantAdmin> RegisterAsync(string? email = null)
    {
        using var client = CreateClient();
        email ??= $"admin-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = "Acme " + Guid.NewGuid().ToString("N")[..6] });
        Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
        using var body = JsonDocument.Parse(await registered.Content.ReadAsStringAsync());
        return new TenantAdmin(
            body.RootElement.GetProperty("organizationId").GetGuid(),
            body.RootElement.GetProperty("userId").GetGuid(),
            email,
            password,
            await SignInAsync(email, password));
    }

    /// <summary>The password grant of <c>/connect/token</c>, as the console signs in: the access token.</summary>
    public async Task<string> SignInAsync(string email, string password, string? scope = null)
    {
        using var client = CreateClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = email, ["password"] = password, ["client_id"] = "console" };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var token = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var text = await token.Content.ReadAsStringAsync();
        Assert.True(token.StatusCode == System.Net.HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A service client of the admin's organization with <paramref name="scopes"/>: its client id, secret and row id.</summary>
    public async Task<(string ClientId, string Secret, Guid Id)> CreateServiceClientAsync(string adminToken, params string[] scopes)
    {
        using var admin = CreateClient(adminToken);
        using var created = await admin.PostAsJsonAsync("/api/v1/service-clients", new { name = "client-" + Guid.NewGuid().ToString("N")[..8], scopes });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("clientId").GetString()!, json.RootElement.GetProperty("clientSecret").GetString()!, json.RootElement.GetProperty("id").GetGuid());
    }

    /// <summary>Bodies of the outbox rows, i.e. every event the service published or will publish.</summary>
    public async Task<IReadOnlyList<(string Type, string Body, bool Dispatched)>> OutboxAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionStringFor("DataSource"));
        return [.. (await connection.QueryAsync<(string, string, bool)>(
            "select message_type, body::text, dispatched_at is not null from datasource.outbox order by id"))];
    }

    public async Task<long> CountAsync(string table)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionStringFor("DataSource"));
        return await connection.ExecuteScalarAsync<long>($"select count(*) from datasource.{table}");
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

    private sealed class Factory(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }

            builder.UseEnvironment("Development");
            builder.ConfigureLogging(logging =>
            {
                logging.AddProvider(Logs);
                logging.AddFilter<LogCapture>(null, LogLevel.Trace);
            });
        }
    }

    private sealed class RecordingHandler(List<string> bodies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            lock (bodies)
            {
                bodies.Add(body);
                bodies.AddRange(response.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
            }

            return response;
        }
    }
}

/// <summary>An organization's first admin.</summary>
public sealed record TenantAdmin(Guid OrganizationId, Guid UserId, string Email, string Password, string Token);

using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WireMock.RequestBuilders;
using WireMock.Server;

namespace DigiUsher.Query.Tests;

/// <summary>
/// The Query service in process (WebApplicationFactory) against a fresh database and virtual host,
/// with a WireMock server standing in for CurParser's internal rollup endpoint.
/// </summary>
public sealed class QueryApp : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private QueryApp(TestDatabase database, TestVirtualHost virtualHost, WireMockServer curParser, WebApplicationFactory<Program> factory)
    {
        Database = database;
        VirtualHost = virtualHost;
        CurParser = curParser;
        _factory = factory;
    }

    public TestDatabase Database { get; }

    public TestVirtualHost VirtualHost { get; }

    public WireMockServer CurParser { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts the service; <paramref name="clock"/> fixes "today" (relative windows, the hourly horizon).</summary>
    public static async Task<QueryApp> StartAsync(Dictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var database = await TestDatabase.CreateAsync();
        var virtualHost = await TestVirtualHost.CreateAsync();
        var curParser = WireMockServer.Start();
        var environment = ServiceProcess.EnvironmentFor("Query", database, virtualHost);
        environment["Services__CurParser"] = curParser.Url!;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in environment)
            {
                web.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }

            foreach (var (key, value) in settings ?? [])
            {
                web.UseSetting(key, value);
            }

            if (clock is not null)
            {
                web.ConfigureTestServices(services => services.AddSingleton(clock));
            }
        });
        var app = new QueryApp(database, virtualHost, curParser, factory);
        var runner = factory.Services.GetRequiredService<MigrationRunner>();
        await runner.MigrateAsync(typeof(MigrationRunner).Assembly, typeof(Program).Assembly, CancellationToken.None);
        await factory.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        return app;
    }

    /// <summary>A client with a user token of <paramref name="organizationId"/>.</summary>
    public HttpClient ClientFor(Guid organizationId, string role = DigiUsherClaims.MemberRole)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(organizationId, role));
        return client;
    }

    /// <summary>A client with a service client's token of <paramref name="organizationId"/> holding only <paramref name="scopes"/>.</summary>
    public HttpClient ServiceClientFor(Guid organizationId, params string[] scopes)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestIssuer.Shared.Token(organizationId, DigiUsherClaims.ServiceRole, scopes, email: null));
        return client;
    }

    public HttpClient AnonymousClient() => _factory.CreateClient();

    public static string Token(Guid organizationId, string role = DigiUsherClaims.MemberRole) => TestIssuer.Shared.Token(organizationId, role);

    public Task PublishAsync<T>(T message)
        where T : class => Services.GetRequiredService<IBus>().Publish(message);

    /// <summary>Serves <paramref name="lines"/> as the NDJSON rollup of an import, as CurParser does.</summary>
    public void ServeRollup(Guid importId, IEnumerable<RollupLine> lines, int status = 200) =>
        ServeRollup(importId, lines.Select(l => l.ToLine()), lines.Select(l => l.ToHourly()), status);

    /// <summary>Serves an import's daily and hourly rollups (NDJSON), as CurParser does.</summary>
    public void ServeRollup(Guid importId, IEnumerable<DailyCostLine> daily, IEnumerable<HourlyCostLine> hourly, int status = 200)
    {
        Serve($"/internal/v1/imports/{importId}/daily-costs", daily.Select(l => JsonSerializer.Serialize(l, DailyCostLine.Json)), status);
        // As CurParser, the hourly rollup starts at the day the read model asks from.
        var hours = hourly.ToList();
        CurParser.Given(Request.Create().WithPath($"/internal/v1/imports/{importId}/hourly-costs").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(request =>
            {
                var from = request.Query is { } query && query.TryGetValue("from", out var values)
                    ? DateOnly.ParseExact(values[0], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
                    : DateOnly.MinValue;
                var lines = hours.Where(h => DateOnly.FromDateTime(h.Hour.UtcDateTime) >= from).Select(l => JsonSerializer.Serialize(l, DailyCostLine.Json));
                return new WireMock.ResponseMessage
                {
                    StatusCode = status,
                    Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new(DailyCostLine.MediaType) },
                    BodyData = new WireMock.Util.BodyData
                    {
                        BodyAsString = status == 200 ? string.Join('\n', lines) + "\n" : string.Empty,
                        DetectedBodyType = WireMock.Types.BodyType.String,
                    },
                };
            }));
    }

    private void Serve(string path, IEnumerable<string> lines, int status)
    {
        var body = string.Join('\n', lines) + "\n";
        CurParser.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(status).WithHeader("Content-Type", DailyCostLine.MediaType).WithBody(status == 200 ? body : string.Empty));
    }

    /// <summary>
    /// Serves the rollup and publishes what CurParser publishes when an import becomes current:
    /// <c>ReportImported</c> (awaited until the imports list shows it or a newer import) and the
    /// <c>CostsImported</c> whose totals match the rollup (or <paramref name="totals"/>).
    /// </summary>
    public Task<CostsImported> ImportAsync(
        Guid organizationId, Guid dataSourceId, string period, IReadOnlyList<RollupLine> lines, DateTimeOffset? importedAt = null,
        IReadOnlyList<CurrencyTotals>? totals = null, bool isFinal = false) =>
        ImportAsync(organizationId, dataSourceId, period, [.. lines.Select(l => l.ToLine())], [.. lines.Select(l => l.ToHourly())], importedAt, totals, isFinal);

    /// <summary>As <see cref="ImportAsync(Guid, Guid, string, IReadOnlyList{RollupLine}, DateTimeOffset?, IReadOnlyList{CurrencyTotals}?, bool)"/>, with both rollups.</summary>
    public async Task<CostsImported> ImportAsync(
        Guid organizationId, Guid dataSourceId, string period, IReadOnlyList<DailyCostLine> daily, IReadOnlyList<HourlyCostLine> hourly,
        DateTimeOffset? importedAt = null, IReadOnlyList<CurrencyTotals>? totals = null, bool isFinal = false)
    {
        var importId = Guid.NewGuid();
        var at = importedAt ?? DateTimeOffset.UtcNow;
        var deliveryId = "delivery-" + importId.ToString("N")[..8];
        var accumulator = new CurrencyTotalsAccumulator();
        foreach (var line in daily)
        {
            accumulator.Add(line);
        }

        var rollupTotals = accumulator.ToList();
        ServeRollup(importId, daily, hourly);
        await PublishAsync(new ReportImported(organizationId, dataSourceId, importId.ToString(), period, deliveryId, importId,
            daily.Sum(l => l.LineItems), 1, rollupTotals, isFinal, TimeSpan.FromSeconds(1), at));
        await WaitForAsync(
            "select exists (select 1 from query.imports where data_source_id = @dataSourceId and billing_period = @start and imported_at >= @at)",
            new { dataSourceId, start = DateOnly.ParseExact(period, "yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), at = at.UtcDateTime.AddTicks(-(at.UtcTicks % 10)) },
            $"the ReportImported of {importId}");
        var message = new CostsImported(organizationId, dataSourceId, importId.ToString(), period, deliveryId, importId, totals ?? rollupTotals, at);
        await PublishAsync(message);
        return message;
    }

    public async Task WaitForCostsStatusAsync(Guid importId, string status)
    {
        await Eventually.True(async () =>
        {
            await using var connection = new NpgsqlConnection(Database.ConnectionStringFor("Query"));
            return await connection.ExecuteScalarAsync<string?>(
                "select coalesce((select status from query.cost_loads where import_id = @importId), 'pending')", new { importId }) == status;
        }, TimeSpan.FromSeconds(60), $"import {importId} costs {status}");
    }

    public async Task WaitForAsync(string sql, object parameters, string what)
    {
        await Eventually.True(async () =>
        {
            await using var connection = new NpgsqlConnection(Database.ConnectionStringFor("Query"));
            return await connection.ExecuteScalarAsync<bool>(sql, parameters);
        }, TimeSpan.FromSeconds(60), what);
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        CurParser.Stop();
        CurParser.Dispose();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>A line of CurParser's rollup, in the agreed NDJSON shape (a test data builder).</summary>
public sealed record RollupLine(
    string Day,
    string ProductCode,
    decimal Unblended,
    string ResourceId = "",
    IReadOnlyDictionary<string, string>? Tags = null,
    string Currency = "USD",
    string UsageAccountId = "123456789012",
    string Region = "us-east-1",
    string UsageType = "BoxUsage:m5.large",
    string LineItemType = "Usage",
    string ServiceName = "",
    long LineItems = 24)
{
    public decimal NetUnblended => Unblended;

    public decimal Blended => Unblended;

    public decimal Amortized => Unblended;

    public decimal PublicOnDemand => Unblended;

    public decimal UsageAmount => LineItems;

    public DailyCostLine ToLine() => new(
        DateOnly.ParseExact(Day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), UsageAccountId, ProductCode, ServiceName, Region,
        UsageType, LineItemType, ResourceId, Tags, Currency, Unblended, NetUnblended, Blended, Amortized, PublicOnDemand, UsageAmount, LineItems);

    /// <summary>The line's day as one usage hour (its first): what CurParser's hourly rollup serves for it.</summary>
    public HourlyCostLine ToHourly() => new(
        new DateTimeOffset(DateOnly.ParseExact(Day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        UsageAccountId, ProductCode, Region, UsageType, LineItemType, string.Empty, Tags, null, Currency, Unblended, NetUnblended, Blended, Amortized,
        Amortized, PublicOnDemand, UsageAmount, LineItems);

    public static IReadOnlyList<CurrencyTotals> Totals(IEnumerable<RollupLine> lines)
    {
        var totals = new CurrencyTotalsAccumulator();
        foreach (var line in lines)
        {
            totals.Add(line.ToLine());
        }

        return totals.ToList();
    }
}

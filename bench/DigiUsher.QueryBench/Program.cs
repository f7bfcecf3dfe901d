using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Imports;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace DigiUsher.QueryBench;

// Query benchmark: `costs` grouped by service and by day for one month over N imported CUR line items
// (default 10 million), through the real Query API (in-process host: auth, routing, SQL, JSON).
// Data is loaded through the same path as a CostsImported (CostPeriodStore: binary COPY + aggregate).
internal static class QueryBenchmark
{
    public static async Task Main(string[] args)
    {
        var rows = 10_000_000L;
        var runs = 200;
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            }
        }

        var admin = Environment.GetEnvironmentVariable("DIGIUSHER_PG_ADMIN") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
        const string Database = "digiusher_bench_query";
        const string SigningKey = "bench-only-signing-key-0123456789abcdef0123456789abcdef";
        await using (var connection = new NpgsqlConnection(admin))
        {
            if (!await connection.ExecuteScalarAsync<bool>("select exists (select 1 from pg_database where datname = @Database)", new { Database }))
            {
                await connection.ExecuteAsync($"create database {Database}");
            }
        }

        var rabbitVhost = "digiusher-bench";
        using (var management = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("DIGIUSHER_RABBIT_MGMT") ?? "http://127.0.0.1:15672/") })
        {
            management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
            (await management.PutAsync($"api/vhosts/{rabbitVhost}", null)).EnsureSuccessStatusCode();
            using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
            (await management.PutAsync($"api/permissions/{rabbitVhost}/guest", permissions)).EnsureSuccessStatusCode();
        }

        // Not a test project: tell WebApplicationFactory the Query service's content root (its build output is here).
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DIGIUSHER_QUERY", AppContext.BaseDirectory);
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = Database }.ConnectionString;
        await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:Postgres", connectionString);
            web.UseSetting("RabbitMq:VirtualHost", rabbitVhost);
            web.UseSetting("Jwt:SigningKey", SigningKey);
            web.UseSetting("Credentials:TransportKey", Convert.ToBase64String(new byte[32]));
            web.UseSetting("Services:CurParser", "http://127.0.0.1:9");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        });
        await factory.Services.GetRequiredService<MigrationRunner>().MigrateAsync(typeof(MigrationRunner).Assembly, typeof(global::Program).Assembly, CancellationToken.None);

        var organizationId = new Guid("0b0b0b0b-0000-4000-8000-000000000001");
        var dataSourceId = new Guid("0b0b0b0b-0000-4000-8000-000000000002");
        var importId = new Guid(MD5.HashData(Encoding.UTF8.GetBytes($"bench-import-{rows}")));
        var period = new DateOnly(2024, 1, 1);
        var lines = new BenchRollup(rows, period);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            var loaded = await connection.ExecuteScalarAsync<bool>(
                "select exists (select 1 from query.cost_periods where data_source_id = @dataSourceId and import_id = @importId)", new { dataSourceId, importId });
            if (!loaded)
            {
                await connection.ExecuteAsync("delete from query.cost_periods where data_source_id = @dataSourceId", new { dataSourceId });
                var store = factory.Services.GetRequiredService<CostPeriodStore>();
                var message = new CostsImported(organizationId, dataSourceId, importId.ToString(), "2024-01", "bench", importId, lines.Totals(), DateTimeOffset.UtcNow);
                var load = Stopwatch.StartNew();
                var result = await store.ReplaceAsync(message, period, ct => lines.GenerateAsync(), CancellationToken.None);
                if (result.Outcome != CostLoadOutcome.Loaded)
                {
                    throw new InvalidOperationException($"Bench load failed: {result.Outcome} {result.Detail}");
                }

                await connection.ExecuteAsync("analyze query.daily_costs; analyze query.daily_service_costs;", commandTimeout: 600);
                Console.Error.WriteLine($"loaded {result.Lines} rollup lines ({rows} line items) in {load.Elapsed.TotalSeconds:0.0} s");
            }
        }

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "digiusher",
            Audience = "digiusher-api",
            Expires = DateTime.UtcNow.AddHours(2),
            Subject = new ClaimsIdentity([new Claim(DigiUsherClaims.Subject, "bench"), new Claim(DigiUsherClaims.Organization, organizationId.ToString()), new Claim(DigiUsherClaims.Role, "service")]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await Measure("query-costs", "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service,day&limit=10000");
        await Measure("query-costs-by-tag", "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=tag:team&limit=10000");

        async Task Measure(string name, string url)
        {
            for (var i = 0; i < Math.Max(5, runs / 10); i++)
            {
                (await client.GetAsync(url)).EnsureSuccessStatusCode();
            }

            var times = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(url);
                _ = await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            double Percentile(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench {name} rows={rows} p50_ms={Percentile(0.50):0.0} p95_ms={Percentile(0.95):0.0}"));
        }
    }
}

/// <summary>
/// A month of daily rollup lines standing for <c>rows</c> CUR line items: hourly usage, so each
/// (day, resource, usage type) line sums 24 line items, spread over 10 accounts, 40 services, 8 regions and 20 teams.
/// </summary>
internal sealed class BenchRollup(long rows, DateOnly period)
{
    private const int ItemsPerLine = 24;
    private static readonly string[] Regions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1"];

    private long Lines => rows / ItemsPerLine;

    private int Days => period.AddMonths(1).DayNumber - period.DayNumber;

    public IEnumerable<DailyCostLine> Generate()
    {
        var resourcesPerDay = (Lines + Days - 1) / Days;
        long emitted = 0;
        for (var r = 0L; r < resourcesPerDay; r++)
        {
            var service = (int)(r % 40);
            var tags = new Dictionary<string, string> { ["team"] = $"team-{r % 20}", ["env"] = r % 3 == 0 ? "prod" : "dev" };
            for (var d = 0; d < Days && emitted < Lines; d++, emitted++)
            {
                var cost = decimal.Round(0.0001m * (((r * 7919) + d) % 100000), 4) + 0.01m;
                yield return new DailyCostLine(
                    period.AddDays(d), (100000000000 + (r % 10)).ToString(CultureInfo.InvariantCulture), $"AmazonService{service:D2}", $"Amazon Service {service}",
                    Regions[r % Regions.Length], $"Usage{r % 50}", "Usage", $"i-{r:x12}", tags, "USD", cost, cost, cost, cost * 0.9m, cost * 1.2m, ItemsPerLine, ItemsPerLine);
            }
        }
    }

#pragma warning disable CS1998 // an async stream over the in-memory generator, the shape CostPeriodStore pulls
    public async IAsyncEnumerable<DailyCostLine> GenerateAsync()
#pragma warning restore CS1998
    {
        foreach (var line in Generate())
        {
            yield return line;
        }
    }

    public IReadOnlyList<CurrencyTotals> Totals()
    {
        var totals = new CurrencyTotalsAccumulator();
        foreach (var line in Generate())
        {
            totals.Add(line);
        }

        return totals.ToList();
    }
}

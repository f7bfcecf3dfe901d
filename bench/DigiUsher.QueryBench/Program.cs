using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Imports;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DigiUsher.QueryBench;

// Query benchmarks through the real Query API (in-process host: auth, routing, validation, SQL, JSON), over
// rollups loaded through the production CostsImported path (CostPeriodStore: binary COPY + pre-aggregates):
//   query-costs, query-costs-by-tag: GET /api/v1/costs for one month of --rows line items (default 10 million);
//   query-v2: POST /api/v1/costs/query, filtered, grouped by three dimensions, two metrics and the previous period,
//             over two months of --v2-rows line items in all (default 100 million);
//   *-reference-sql: in the same run, the same question as one plain SQL statement over the wide daily rollup
//             (daily_costs, no pre-aggregates, no HTTP): what the API's answer is compared with;
//   forecast-backtest: the forecast's error on generated months (no database).
// Options: --rows N (query-costs), --v2-rows N (query-v2), --runs N (timed requests, 200), --only all|costs|v2|forecast.
internal static class QueryBenchmark
{
    public static async Task Main(string[] args)
    {
        var rows = 10_000_000L;
        var v2Rows = 100_000_000L;
        var runs = 200;
        var only = "all";
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--v2-rows": v2Rows = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--only": only = args[i + 1]; break;
            }
        }

        if (only is "all" or "forecast")
        {
            Console.WriteLine(ForecastBacktest.Run(months: 240, seed: 20261206));
        }

        if (only == "forecast")
        {
            return;
        }

        var admin = Environment.GetEnvironmentVariable("DIGIUSHER_PG_ADMIN") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
        var database = Environment.GetEnvironmentVariable("DIGIUSHER_BENCH_QUERY_DB") ?? "digiusher_bench_query";
        await using (var connection = new NpgsqlConnection(admin))
        {
            if (!await connection.ExecuteScalarAsync<bool>("select exists (select 1 from pg_database where datname = @database)", new { database }))
            {
                await connection.ExecuteAsync($"create database {database}");
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
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:Postgres", connectionString);
            web.UseSetting("RabbitMq:VirtualHost", rabbitVhost);
            // Tokens from the test issuer (an ES256 key served as DataSource serves its JWKS).
            web.UseSetting("Auth:Authority", TestIssuer.Shared.Url);
            web.UseSetting("Credentials:TransportKey", Convert.ToBase64String(new byte[32]));
            web.UseSetting("Services:CurParser", "http://127.0.0.1:9");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        });
        await factory.Services.GetRequiredService<MigrationRunner>().MigrateAsync(typeof(MigrationRunner).Assembly, typeof(global::Program).Assembly, CancellationToken.None);
        var store = factory.Services.GetRequiredService<CostPeriodStore>();

        if (only is "all" or "costs")
        {
            var organizationId = new Guid("0b0b0b0b-0000-4000-8000-000000000001");
            var dataSourceId = new Guid("0b0b0b0b-0000-4000-8000-000000000002");
            await LoadAsync(connectionString, store, organizationId, dataSourceId, rows, new DateOnly(2024, 1, 1));
            using var client = Client(factory, organizationId);
            await Measure(client, "query-costs", rows, runs, () => Get("/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service,day&limit=10000"));
            await Measure(client, "query-costs-by-tag", rows, runs, () => Get("/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=tag:team&limit=10000"));
            await MeasureSql(connectionString, "query-costs-by-tag-reference-sql", rows, ReferenceRuns(runs), ByTagReferenceSql, organizationId);
        }

        if (only is "all" or "v2")
        {
            // Two months of half the line items each: January, and December as its previous period.
            var organizationId = new Guid("0b0b0b0b-0000-4000-8000-000000000011");
            var dataSourceId = new Guid("0b0b0b0b-0000-4000-8000-000000000012");
            await LoadAsync(connectionString, store, organizationId, dataSourceId, v2Rows / 2, new DateOnly(2023, 12, 1));
            await LoadAsync(connectionString, store, organizationId, dataSourceId, v2Rows / 2, new DateOnly(2024, 1, 1));
            using var client = Client(factory, organizationId);
            await Measure(client, "query-v2", v2Rows, runs, () => Post("/api/v1/costs/query", QueryV2Body));
            await MeasureSql(connectionString, "query-v2-reference-sql", v2Rows, ReferenceRuns(runs), QueryV2ReferenceSql, organizationId);
        }
    }

    /// <summary>
    /// The query-v2 request: this month against the previous one, grouped by account, service and team tag, two metrics,
    /// filtered by an expression of regions, a service prefix and a line item type.
    /// </summary>
    private const string QueryV2Body = """
        {
          "from": "2024-01-01", "to": "2024-01-31",
          "metrics": ["unblended", "amortized"],
          "groupBy": ["account", "service", "tag:team"],
          "filter": { "and": [
            { "or": [ { "dimension": "region", "in": ["us-east-1", "eu-west-1", "us-west-2"] }, { "dimension": "service", "startsWith": ["AmazonService1"] } ] },
            { "not": { "dimension": "lineItemType", "in": ["Tax", "Credit"] } } ] },
          "compareTo": "previousPeriod",
          "limit": 10000
        }
        """;

    /// <summary>
    /// The reference for query-v2, in the same run: the same question as one plain SQL statement over the wide daily
    /// rollup (what a read model without the pre-aggregates would run), straight to Postgres (no HTTP, no JSON).
    /// </summary>
    private const string QueryV2ReferenceSql = """
        select account_id, product_code, coalesce(tags->>'team', ''), currency,
            sum(unblended) filter (where day >= '2024-01-01'), sum(amortized) filter (where day >= '2024-01-01'),
            sum(unblended) filter (where day < '2024-01-01'), sum(amortized) filter (where day < '2024-01-01')
        from query.daily_costs
        where organization_id = @organizationId and day between '2023-12-01' and '2024-01-31'
            and (region in ('us-east-1', 'eu-west-1', 'us-west-2') or product_code like 'AmazonService1%')
            and line_item_type not in ('Tax', 'Credit')
        group by 1, 2, 3, 4
        """;

    /// <summary>The reference for query-costs-by-tag: spend by the team tag over the wide daily rollup, one SQL statement.</summary>
    private const string ByTagReferenceSql = """
        select coalesce(tags->>'team', ''), currency, sum(unblended)
        from query.daily_costs
        where organization_id = @organizationId and day between '2024-01-01' and '2024-01-31'
        group by 1, 2
        """;

    /// <summary>The wide-table references take seconds at 100M line items: fewer runs, the same percentiles.</summary>
    private static int ReferenceRuns(int runs) => Math.Max(5, Math.Min(runs, 20));

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    private static HttpRequestMessage Post(string url, string body) =>
        new(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static async Task LoadAsync(string connectionString, CostPeriodStore store, Guid organizationId, Guid dataSourceId, long rows, DateOnly period)
    {
        var importId = new Guid(MD5.HashData(Encoding.UTF8.GetBytes($"bench-import-{organizationId}-{period:yyyy-MM}-{rows}-v2")));
        var lines = new BenchRollup(rows, period);
        await using var connection = new NpgsqlConnection(connectionString);
        var loaded = await connection.ExecuteScalarAsync<bool>(
            "select exists (select 1 from query.cost_periods where data_source_id = @dataSourceId and import_id = @importId)", new { dataSourceId, importId });
        if (loaded)
        {
            return;
        }

        await connection.ExecuteAsync("delete from query.cost_periods where data_source_id = @dataSourceId and billing_period = @period", new { dataSourceId, period });
        var message = new CostsImported(organizationId, dataSourceId, importId.ToString(), $"{period:yyyy-MM}", "bench", importId, lines.Totals(), DateTimeOffset.UtcNow);
        var load = Stopwatch.StartNew();
        var result = await store.ReplaceAsync(message, period, lines, CancellationToken.None);
        if (result.Outcome != CostLoadOutcome.Loaded)
        {
            throw new InvalidOperationException($"Bench load failed: {result.Outcome} {result.Detail}");
        }

        await connection.ExecuteAsync("analyze query.daily_costs; analyze query.daily_dimension_costs; analyze query.daily_label_costs; analyze query.cost_periods;", commandTimeout: 1800);
        var sizes = await connection.QuerySingleAsync<(long Dimensions, long Labels)>(
            """
            select (select count(*) from query.daily_dimension_costs where data_source_id = @dataSourceId and billing_period = @period),
                   (select count(*) from query.daily_label_costs where data_source_id = @dataSourceId and billing_period = @period)
            """, new { dataSourceId, period });
        Console.Error.WriteLine(
            $"loaded {period:yyyy-MM}: {result.Lines} rollup lines ({rows} line items) in {load.Elapsed.TotalSeconds:0.0} s; "
            + $"aggregates: {sizes.Dimensions} dimension rows, {sizes.Labels} label rows");
    }

    private static HttpClient Client(WebApplicationFactory<global::Program> factory, Guid organizationId)
    {
        var token = TestIssuer.Shared.Token(organizationId, DigiUsherClaims.MemberRole, [Scopes.CostsRead]);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task MeasureSql(string connectionString, string name, long rows, int runs, string sql, Guid organizationId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var times = new List<double>(runs);
        for (var i = -1; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var groups = (await connection.QueryAsync(sql, new { organizationId }, commandTimeout: 600)).Count();
            if (groups == 0)
            {
                throw new InvalidOperationException($"{name}: no groups");
            }

            if (i >= 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        Report(name, rows, times);
    }

    private static void Report(string name, long rows, List<double> times)
    {
        times.Sort();
        double Percentile(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench {name} rows={rows} p50_ms={Percentile(0.50):0.0} p95_ms={Percentile(0.95):0.0}"));
    }

    private static async Task Measure(HttpClient client, string name, long rows, int runs, Func<HttpRequestMessage> request)
    {
        for (var i = 0; i < Math.Max(5, runs / 10); i++)
        {
            using var warm = await client.SendAsync(request());
            if (!warm.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{name}: {(int)warm.StatusCode} {await warm.Content.ReadAsStringAsync()}");
            }
        }

        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(request());
            _ = await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        Report(name, rows, times);
    }
}

/// <summary>
/// A month of daily rollup lines standing for <c>rows</c> CUR line items: hourly usage, so each
/// (day, resource, usage type) line sums 24 line items, spread over 10 accounts, 40 services, 8 regions,
/// 20 teams, 3 environments and 5 business units (a cost category).
/// </summary>
internal sealed class BenchRollup(long rows, DateOnly period) : IRollupSource
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
            var categories = new Dictionary<string, string> { ["Business Unit"] = $"bu-{r % 5}" };
            var account = (100000000000 + (r % 10)).ToString(CultureInfo.InvariantCulture);
            for (var d = 0; d < Days && emitted < Lines; d++, emitted++)
            {
                var cost = decimal.Round(0.0001m * (((r * 7919) + d) % 100000), 4) + 0.01m;
                yield return new DailyCostLine(
                    period.AddDays(d), account, $"AmazonService{service:D2}", $"Amazon Service {service}",
                    Regions[r % Regions.Length], $"Usage{r % 50}", "Usage", $"i-{r:x12}", tags, "USD", cost, cost, cost, cost * 0.9m, cost * 1.2m, ItemsPerLine, ItemsPerLine,
                    "Hrs", categories, $"account {r % 10}", cost * 0.85m);
            }
        }
    }

#pragma warning disable CS1998 // async streams over the in-memory generator, the shape CostPeriodStore pulls
    public async IAsyncEnumerable<DailyCostLine> DailyAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var line in Generate())
        {
            yield return line;
        }
    }

    /// <summary>None: the bench's months are older than the hours the read model keeps.</summary>
    public async IAsyncEnumerable<HourlyCostLine> HourlyAsync(DateOnly from, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield break;
    }
#pragma warning restore CS1998

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

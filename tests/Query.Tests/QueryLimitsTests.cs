using System.Reflection;
using System.Text;
using System.Text.Json;
using DigiUsher.Query.Apis;
using DigiUsher.Query.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DigiUsher.Query.Tests;

/// <summary>The limits one tenant's queries meet (issue 18): a statement timeout on every API statement, capped exports.</summary>
public class QueryLimitsTests
{
    [Fact]
    public async Task ApiDataSource_WhenAStatementRunsPastTheTimeout_PostgresCancelsIt()
    {
        await using var app = await QueryApp.StartAsync(new() { ["Api:StatementTimeoutMs"] = "200" });
        await using var connection = await app.Services.GetRequiredService<ApiDataSource>().OpenConnectionAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("select pg_sleep(5)", connection);

        var started = DateTime.UtcNow;
        var cancelled = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.QueryCanceled, cancelled.SqlState);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the statement ran to its end");
    }

    [Fact]
    public async Task Query_WhenATenantAsksForMoreThanAStatementMayTake_Answers503ProblemAndOtherTenantsAreAnswered()
    {
        await using var app = await QueryApp.StartAsync(new() { ["Api:StatementTimeoutMs"] = "100" });
        var attacker = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(app.Database.ConnectionStringFor("Query")))
        {
            // 400,000 resource-days: grouping a year of them by resource and tag under a substring filter takes seconds.
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                """
                insert into query.daily_costs (organization_id, data_source_id, billing_period, import_id, day, account_id, product_code, service_name,
                    region, usage_type, line_item_type, resource_id, resource_key, tags, currency, unblended, net_unblended, blended, amortized,
                    public_on_demand, usage_amount, line_items, pricing_unit, cost_categories, net_amortized)
                select @attacker, @dataSource, date_trunc('month', d)::date, @import, d::date, '123456789012', 'AmazonEC2', '', 'us-east-1',
                    'BoxUsage:m5.large', 'Usage', 'i-' || r, 'i-' || r, jsonb_build_object('team', 'team-' || (r % 50)), 'USD', 1, 1, 1, 1, 1, 24, 24,
                    'Hrs', '{}', 1
                from generate_series(1, 4000) r cross join generate_series('2024-01-01'::date, '2024-04-09'::date, interval '1 day') d
                """, connection);
            insert.Parameters.AddWithValue("attacker", attacker);
            insert.Parameters.AddWithValue("dataSource", Guid.NewGuid());
            insert.Parameters.AddWithValue("import", Guid.NewGuid());
            insert.CommandTimeout = 300;
            await insert.ExecuteNonQueryAsync();
        }

        using var client = app.ClientFor(attacker);
        using var bystander = app.ClientFor(Guid.NewGuid());

        var (status, problem) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/query",
            """{"from":"2024-01-01","to":"2024-12-31","granularity":"day","groupBy":["resource","tag:team"],"filter":{"dimension":"resource","contains":["1"]}}""");
        var (otherStatus, _) = await CostExplorerFixture.PostAsync(bystander, "/api/v1/costs/query", """{"from":"2024-01-01","to":"2024-01-31"}""");

        Assert.Equal(503, status);
        Assert.Equal("Query took too long", problem.GetProperty("title").GetString());
        Assert.Contains("Api:StatementTimeoutMs", problem.GetProperty("detail").GetString());
        Assert.Equal(200, otherStatus);
    }

    [Fact]
    public async Task StatementTimeoutHandler_WhenAStatementWasCancelled_Answers503ProblemNamingTheLimit()
    {
        await using var app = await QueryApp.StartAsync(new() { ["Api:StatementTimeoutMs"] = "1500" });
        var handler = ActivatorUtilities.CreateInstance<StatementTimeoutHandler>(app.Services);
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = "POST";
        context.Request.Path = "/api/v1/costs/query";
        context.Response.Body = new MemoryStream();

        var handled = await handler.TryHandleAsync(context, new PostgresException("canceling statement due to statement timeout", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(503, context.Response.StatusCode);
        var problem = JsonDocument.Parse(Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray())).RootElement;
        Assert.Contains("1500 ms", problem.GetProperty("detail").GetString());
        Assert.Contains("Api:StatementTimeoutMs", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public void ApiReaders_WhenTheyReadTheDatabase_GoThroughTheDataSourceWithTheStatementTimeout()
    {
        // Every class that answers requests (endpoints, readers) takes ApiDataSource; only event consumers and stores
        // (long loads and purges by design) take the plain NpgsqlDataSource.
        var assembly = typeof(ApiDataSource).Assembly;
        string[] apiNamespaces = ["DigiUsher.Query.Apis", "DigiUsher.Query.Costs", "DigiUsher.Query.Resources", "DigiUsher.Query.Findings"];
        var offenders = assembly.GetTypes()
            .Where(t => apiNamespaces.Contains(t.Namespace) && !t.Name.EndsWith("Store", StringComparison.Ordinal))
            .SelectMany(t => t.GetConstructors().Cast<MethodBase>().Concat(t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(NpgsqlDataSource)))
                .Select(m => $"{t.Name}.{m.Name}"))
            .ToList();

        Assert.Empty(offenders);
        Assert.Contains(assembly.GetTypes(), t => t.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(ApiDataSource))));
    }

    [Fact]
    public async Task Export_WhenTheAnswerHasMoreRowsThanTheCap_IsRefusedBeforeTheFirstByteNamingBoth()
    {
        await using var app = await QueryApp.StartAsync(new() { ["Api:MaxExportRows"] = "3" });
        var org = Guid.NewGuid();
        var lines = Enumerable.Range(1, 5).Select(d => new RollupLine($"2024-01-{d:D2}", "AmazonEC2", d, ResourceId: $"i-{d}")).ToList();
        var imported = await app.ImportAsync(org, Guid.NewGuid(), "2024-01", lines);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);

        using var tooLarge = await client.GetAsync("/api/v1/costs/export?from=2024-01-01&to=2024-01-31&groupBy=resource");
        var (postStatus, postProblem) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/export", """{"from":"2024-01-01","to":"2024-01-31","granularity":"day"}""");
        using var small = await client.GetAsync("/api/v1/costs/export?from=2024-01-01&to=2024-01-31&groupBy=service");

        Assert.Equal(422, (int)tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await tooLarge.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(5, problem.GetProperty("rows").GetInt64());
        Assert.Equal(3, problem.GetProperty("maxRows").GetInt32());
        Assert.Contains("Api:MaxExportRows", problem.GetProperty("detail").GetString());
        Assert.Equal(422, postStatus);
        Assert.Equal(5, postProblem.GetProperty("rows").GetInt64());
        Assert.Equal(["service,currency,unblended", "AmazonEC2,USD,15"], (await small.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

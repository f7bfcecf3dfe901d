using System.Net;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// kill -9 of the CurParser while it loads a large delivery, with readers polling throughout: a tenant
/// on the real Query API (which pulls each import's rollup from CurParser) and CurParser's own current view.
/// </summary>
public sealed class CrashTests
{
    private const string Period = "2026-07";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Import_WhenTheParserIsKilledMidLoad_EndsWithExactlyTheDeliveryAndReadersSeeOldOrNew()
    {
        await using var h = await ParserHarness.StartAsync(parsers: 0, settings: new Dictionary<string, string> { ["CurParser__LeaseDuration"] = "00:00:09" });
        // The restarted parser answers at the same address: Query is configured with one CurParser URL.
        var parserPort = FreePort.Next();
        var firstParser = await h.StartParserAsync(parserPort);
        var query = await h.StartServiceAsync("Query", new Dictionary<string, string> { ["Services__CurParser"] = firstParser.BaseAddress.ToString() });
        var tenant = Tenant.New();
        using var api = ApiHarness.Authorized(query, TestIssuer.Shared.Token(tenant.OrganizationId, DigiUsherClaims.MemberRole));
        var costsUrl = $"/api/v1/costs?from={Period}-01&to={Period}-31&dataSourceId={tenant.DataSourceId}";
        var old = new CurCsv(Period).AddRows(2_000, seed: 5);
        var oldDelivery = await h.CsvDeliveryAsync(tenant, Period, "old", DateTimeOffset.UtcNow.AddHours(-1), old.Gzip());
        await h.PublishAsync(oldDelivery);
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == "old", Timeout, "the old delivery to become current");
        await Eventually.True(async () => await QueryTotalAsync(api, costsUrl) == old.Unblended, Timeout, $"Query to answer the old month ({old.Unblended})");

        var files = Enumerable.Range(1, 3).Select(i => new CurCsv(Period).AddRows(60_000, seed: 10 + i)).ToList();
        var large = await h.CsvDeliveryAsync(tenant, Period, "large", DateTimeOffset.UtcNow, [.. files.Select(f => f.Gzip())]);
        var expected = (files.Sum(f => f.Unblended), files.Sum(f => f.Rows));

        using var stopReaders = new CancellationTokenSource();
        var seen = new HashSet<(decimal, long)>();
        var answers = new List<decimal>();
        var badAnswers = new List<string>();
        bool Answered(decimal total)
        {
            lock (answers)
            {
                return answers.Contains(total);
            }
        }

        var apiReader = Task.Run(async () =>
        {
            while (!stopReaders.IsCancellationRequested)
            {
                try
                {
                    using var response = await api.GetAsync(costsUrl);
                    var body = await response.Content.ReadAsStringAsync();
                    lock (answers)
                    {
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            answers.Add(JsonDocument.Parse(body).RootElement.GetProperty("total").GetDecimal());
                        }
                        else
                        {
                            badAnswers.Add($"{(int)response.StatusCode} {body}");
                        }
                    }
                }
                catch (HttpRequestException ex)
                {
                    lock (answers)
                    {
                        badAnswers.Add($"no answer: {ex.Message}");
                    }
                }

                await Task.Delay(100);
            }
        });
        var reader = Task.Run(async () =>
        {
            while (!stopReaders.IsCancellationRequested)
            {
                try
                {
                    var now = await h.CurrentLineItemsAsync(tenant.DataSourceId, Period);
                    lock (seen)
                    {
                        seen.Add(now);
                    }
                }
                catch (NpgsqlException)
                {
                }

                await Task.Delay(100);
            }
        });

        await h.PublishAsync(large);
        await Eventually.True(() => LoadingRowsAsync(h, tenant, "large"), Timeout, "the large delivery to be loading");
        h.Kill(h.Parsers[0]);
        Assert.NotEqual("large", (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId);

        // The dead replica's lease must run out before another one may take the delivery.
        await Eventually.True(() => LeaseExpiredAsync(h, tenant, "large"), Timeout, "the dead replica's lease to expire");
        await h.StartParserAsync(parserPort);

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == "large", Timeout, "the large delivery to become current after the restart");
        await Eventually.True(() => Task.FromResult(Answered(expected.Item1)), Timeout, $"the Query reader to see the new month ({expected.Item1})");
        await stopReaders.CancelAsync();
        await reader;
        await apiReader;

        Assert.Equal(expected, await h.CurrentLineItemsAsync(tenant.DataSourceId, Period));
        Assert.Equal(expected.Item2, (await h.CurrentAsync(tenant.DataSourceId, Period))!.Rows);
        await Eventually.True(() => Task.FromResult(h.Events.Of<CostsImported>(tenant.DataSourceId).Any(c => c.DeliveryId == "large")), Timeout, "the CostsImported of the large delivery");
        Assert.Single(h.Events.Of<CostsImported>(tenant.DataSourceId), c => c.DeliveryId == "large");
        lock (seen)
        {
            Assert.All(seen, s => Assert.True(s == (old.Unblended, old.Rows) || s == expected, $"a reader saw {s}, neither the old month nor the new one"));
            Assert.Contains((old.Unblended, old.Rows), seen);
        }

        lock (answers)
        {
            Assert.Empty(badAnswers);
            Assert.All(answers, a => Assert.True(a == old.Unblended || a == expected.Item1, $"a Query reader saw {a}, neither the old month ({old.Unblended}) nor the new one ({expected.Item1})"));
            Assert.Contains(old.Unblended, answers);
            Assert.Contains(expected.Item1, answers);
        }

        Assert.Equal(expected.Item1, await QueryTotalAsync(api, costsUrl));
        Assert.Equal(expected.Item1, await QueryTotalAsync(api, costsUrl + "&groupBy=day"));
        // The readiness probe while the bus connects logs "Unhealthy" at Error level: start-up, not a fault.
        var queryErrors = query.LogLines.Where(l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)
            && !l.Contains("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal)).ToList();
        Assert.True(queryErrors.Count == 0, string.Join('\n', queryErrors));

        await Eventually.True(h.QueueDrainedAsync, Timeout, "the queue to drain");
        Assert.Equal(0, await h.ErrorMessagesAsync());
    }

    private static async Task<decimal> QueryTotalAsync(HttpClient api, string url)
    {
        using var response = await api.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("total").GetDecimal();
    }

    private static async Task<bool> LoadingRowsAsync(ParserHarness h, Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        var importId = await connection.QuerySingleOrDefaultAsync<Guid?>(
            "select import_id from curparser.imports where data_source_id = @ds and delivery_id = @deliveryId and status = 'loading'",
            new { ds = tenant.DataSourceId, deliveryId });
        if (importId is null)
        {
            return false;
        }

        // COPY rows are invisible until its transaction commits; the partition's size shows the load is under way.
        var bytes = await connection.ExecuteScalarAsync<long?>($"select pg_total_relation_size('curparser.line_items_{importId:N}')");
        return bytes > 1024 * 1024;
    }

    private static async Task<bool> LeaseExpiredAsync(ParserHarness h, Tenant tenant, string deliveryId)
    {
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        return await connection.ExecuteScalarAsync<bool>(
            "select coalesce(lease_expires_at < now(), true) from curparser.deliveries where data_source_id = @ds and delivery_id = @deliveryId",
            new { ds = tenant.DataSourceId, deliveryId });
    }
}

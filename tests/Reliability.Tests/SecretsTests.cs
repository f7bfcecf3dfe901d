using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// The AWS secret key CurParser receives (sealed) for a data source appears in no log line, no message
/// that crossed RabbitMQ (a tap queue bound to every exchange of the virtual host) and no table.
/// </summary>
public sealed class SecretsTests
{
    private const string Period = "2026-06";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Import_WhenCredentialsCrossTheBus_TheSecretIsInNoLogMessageOrTable()
    {
        await using var h = await ParserHarness.StartAsync();
        await ImportAsync(h, Tenant.New(), "warm-up");

        // Every exchange exists now (publish, consumer and the parser's own response exchange): tap them all.
        await using var tap = await Tap.BindAsync(h.VirtualHost);
        var tenant = Tenant.New();
        await ImportAsync(h, tenant, "tapped");
        await ImportFailureAsync(h, tenant);

        var messages = await tap.DrainAsync();
        Assert.Contains(messages, m => m.Contains("SealedSecretAccessKey", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(messages, m => m.Contains("digiusher:curparser:costs-imported:v1", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains(MotoCredentialsResponder.SecretAccessKey, StringComparison.Ordinal));
        Assert.DoesNotContain(h.LogLines, l => l.Contains(MotoCredentialsResponder.SecretAccessKey, StringComparison.Ordinal));
        Assert.NotEmpty(h.LogLines);
        Assert.Empty(await TablesContainingAsync(h.Database, MotoCredentialsResponder.SecretAccessKey));

        // The searches find what is there: the delivery id is in messages and tables.
        Assert.Contains(messages, m => m.Contains("tapped", StringComparison.Ordinal));
        Assert.NotEmpty(await TablesContainingAsync(h.Database, "tapped"));
    }

    private static async Task ImportAsync(ParserHarness h, Tenant tenant, string deliveryId)
    {
        var delivery = await h.CsvDeliveryAsync(tenant, Period, deliveryId, DateTimeOffset.UtcNow, new CurCsv(Period).AddRows(100).Gzip());
        await h.PublishAsync(delivery);
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == deliveryId, Timeout, $"{deliveryId} to become current");
    }

    private static async Task ImportFailureAsync(ParserHarness h, Tenant tenant)
    {
        var delivery = h.Delivery(tenant, Period, "missing", DateTimeOffset.UtcNow, DigiUsher.Contracts.ReportFormat.CsvGzip, ("cur/none/missing.csv.gz", 10));
        await h.PublishAsync(delivery);
        await Eventually.True(async () => await h.DeliveryStatusAsync(tenant.DataSourceId, "missing") == "failed", Timeout, "the failing delivery to fail");
    }

    /// <summary>Tables (every schema of the test database) with a row whose text holds <paramref name="secret"/>.</summary>
    private static async Task<IReadOnlyList<string>> TablesContainingAsync(TestDatabase database, string secret)
    {
        await using var connection = new NpgsqlConnection(database.AdminConnectionString);
        var tables = await connection.QueryAsync<string>(
            """
            select format('%I.%I', table_schema, table_name) from information_schema.tables
            where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
            """);
        var hits = new List<string>();
        foreach (var table in tables)
        {
            if (await connection.ExecuteScalarAsync<bool>($"select exists (select 1 from {table} t where t::text like '%' || @secret || '%')", new { secret }))
            {
                hits.Add(table);
            }
        }

        return hits;
    }

    /// <summary>A queue of our own bound to every exchange of a virtual host: a copy of every message routed from then on.</summary>
    private sealed class Tap : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly string _vhost;
        private readonly string _queue = $"tap-{Guid.NewGuid():N}";

        private Tap(HttpClient http, string vhost)
        {
            _http = http;
            _vhost = vhost;
        }

        public static async Task<Tap> BindAsync(TestVirtualHost virtualHost)
        {
            var http = new HttpClient { BaseAddress = TestEnvironment.RabbitManagement };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
            var tap = new Tap(http, virtualHost.Name);
            (await http.PutAsJsonAsync($"api/queues/{tap._vhost}/{tap._queue}", new { durable = false, auto_delete = false })).EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/exchanges/{tap._vhost}"));
            foreach (var exchange in doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!))
            {
                if (exchange.Length == 0 || exchange.StartsWith("amq.", StringComparison.Ordinal))
                {
                    continue;
                }

                (await http.PostAsJsonAsync($"api/bindings/{tap._vhost}/e/{Uri.EscapeDataString(exchange)}/q/{tap._queue}", new { routing_key = "#" }))
                    .EnsureSuccessStatusCode();
            }

            return tap;
        }

        public async Task<IReadOnlyList<string>> DrainAsync()
        {
            using var response = await _http.PostAsJsonAsync($"api/queues/{_vhost}/{_queue}/get",
                new { count = 10_000, ackmode = "ack_requeue_false", encoding = "auto", truncate = 1_000_000 });
            response.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return [.. doc.RootElement.EnumerateArray().Select(m => m.GetProperty("payload").GetString() ?? string.Empty)];
        }

        public async ValueTask DisposeAsync()
        {
            using var _ = await _http.DeleteAsync($"api/queues/{_vhost}/{_queue}");
            _http.Dispose();
        }
    }
}

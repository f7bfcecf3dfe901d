using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// The whole stack on a dedicated moto: an organization connects a data source through DataSource's API
/// with a distinctive secret access key, which DataSource validates with, and hands (sealed) to the
/// poller, the parser and discovery through <c>GetAwsCredentials</c>; an import succeeds, one fails, the
/// key is rotated. Then the secrets are searched for in every process's log, the infrastructure's log
/// files, every message that crossed RabbitMQ (a tap queue bound to every exchange of the virtual host)
/// and every column of every table except the encrypted one: no hit, in plain text or encoded.
/// </summary>
public sealed class SecretsTests
{
    private const string Report = "cur";
    private const string AccessKeyId = "AKIARELIABILITY00001";

    // Shaped like AWS secret keys (40 characters with '+' and '/'), and distinctive.
    private const string Secret = "RelSecret+One/q7Zx1Vb3Nm5Kp9Lw2Hd4Fg6Js8";
    private const string RotatedSecret = "RelSecret+Two/t4Yh8Uj2Ik6Ol0Pa3Sd5Fg7Hj9";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly string Period = DateTime.UtcNow.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Stack_WhenADataSourceIsConnectedUsedAndRotated_TheSecretIsInNoLogMessageOrTable()
    {
        await using var moto = await MotoServer.StartAsync();
        await using var h = await ParserHarness.StartAsync(answerCredentials: false, motoUrl: moto.Url);
        await using var tap = await Tap.BindAsync(h.VirtualHost);
        var started = await Task.WhenAll(
            h.StartServiceAsync("DataSource"),
            h.StartServiceAsync("CurPoller", new Dictionary<string, string>
            {
                ["Aws__CurServiceUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["CurPoller__SchedulerTick"] = "00:00:01",
            }),
            h.StartServiceAsync("ResourceDiscovery", new Dictionary<string, string> { ["Discovery__Regions__0"] = "us-east-1", ["Discovery__SchedulerTick"] = "00:00:01" }),
            h.StartServiceAsync("Query", new Dictionary<string, string> { ["Services__CurParser"] = h.Parsers[0].BaseAddress.ToString() }));
        var (dataSource, query) = (started[0], started[3]);

        var prefix = "reports";
        var month = new CurCsv(Period).AddRows(200);
        await CurBucket.PutManifestAsync(h.S3, h.Bucket, prefix, Report, Period, "good",
            [await CurBucket.PutDataFileAsync(h.S3, h.Bucket, prefix, Report, Period, "good", 1, month.Gzip())]);
        using var org = await DataSourceApi.RegisterAsync(dataSource);
        var dataSourceId = await org.ConnectAsync(h.Bucket, prefix, AccessKeyId, Secret);

        // Used by the poller and the parser (an import), Query (the pull), discovery (a run).
        await Eventually.True(async () => (await h.CurrentAsync(dataSourceId, Period))?.DeliveryId == "good", Timeout, "the month to be imported");
        // Query here validates the harness's test issuer (CurParser, started first, does too).
        using var queryApi = ApiHarness.Authorized(query, TestIssuer.Shared.Token(org.OrganizationId));
        await Eventually.True(async () =>
        {
            using var costs = await queryApi.GetAsync($"/api/v1/costs?from={Period}-01&to={Period}-28&dataSourceId={dataSourceId}");
            return costs.IsSuccessStatusCode && JsonDocument.Parse(await costs.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetDecimal() == month.Unblended;
        }, Timeout, "Query to serve the imported month");
        await Eventually.True(async () => (await org.StatusAsync(dataSourceId)).GetProperty("lastDiscovery").ValueKind == JsonValueKind.Object, Timeout, "a discovery run");

        // A failed import (an error path that logs), then a rotated key.
        var truncated = new CurCsv(Period).AddRows(3_000).Gzip();
        await CurBucket.PutManifestAsync(h.S3, h.Bucket, prefix, Report, Period, "broken",
            [await CurBucket.PutDataFileAsync(h.S3, h.Bucket, prefix, Report, Period, "broken", 1, truncated[..(truncated.Length / 2)])]);
        await org.RequestPollAsync(dataSourceId);
        await Eventually.True(() => Task.FromResult(h.Events.Of<ReportImportFailed>(dataSourceId).Any(f => f.DeliveryId == "broken")), Timeout, "the broken delivery to fail");
        await org.UpdateSecretAsync(dataSourceId, AccessKeyId, RotatedSecret);
        var polls = h.Events.Of<ReportPollCompleted>(dataSourceId).Count;
        await org.RequestPollAsync(dataSourceId);
        await Eventually.True(() => Task.FromResult(h.Events.Of<ReportPollCompleted>(dataSourceId).Count > polls), Timeout, "a poll after the rotation");

        var messages = await tap.DrainAsync();
        var logs = h.LogLines.Concat(InfrastructureLogLines()).ToList();
        foreach (var secret in new[] { Secret, RotatedSecret })
        {
            foreach (var (form, needle) in Encodings(secret))
            {
                Assert.False(messages.Any(m => m.Contains(needle, StringComparison.Ordinal)), $"a message that crossed RabbitMQ holds the secret ({form})");
                Assert.False(logs.Any(l => l.Contains(needle, StringComparison.Ordinal)), $"a log line holds the secret ({form})");
                Assert.Empty(await TablesContainingAsync(h.Database, needle));
            }
        }

        // The searches find what is there: the credentials travelled (sealed), the key id and the delivery are stored.
        Assert.True(messages.Count(m => m.Contains("SealedSecretAccessKey", StringComparison.OrdinalIgnoreCase)) >= 3,
            "the poller, the parser and discovery each received credentials over the bus");
        Assert.Contains(messages, m => m.Contains("digiusher:curparser:costs-imported:v1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(dataSourceId.ToString(), StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains(dataSourceId.ToString(), StringComparison.Ordinal));
        Assert.Contains("datasource.data_sources", await TablesContainingAsync(h.Database, AccessKeyId));
        Assert.NotEmpty(await TablesContainingAsync(h.Database, "broken"));
        Assert.True(await SecretStoredEncryptedAsync(h.Database, dataSourceId), "the data source's secret is stored (encrypted)");
    }

    /// <summary>The secret as it would appear if it leaked: plain, JSON-escaped, base64, hex.</summary>
    private static IEnumerable<(string Form, string Needle)> Encodings(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        yield return ("plain", secret);
        yield return ("JSON-escaped", JsonSerializer.Serialize(secret).Trim('"'));
        yield return ("base64", Convert.ToBase64String(bytes));
        yield return ("hex", Convert.ToHexStringLower(bytes));
        // The longest run without '+' or '/' catches a leak that was escaped or split in any other way.
        yield return ("fragment", secret.Split('+', '/').MaxBy(p => p.Length)!);
    }

    /// <summary>The log files of the local infrastructure (Postgres, RabbitMQ, moto, services run by scripts/dev), where it keeps them.</summary>
    private static IEnumerable<string> InfrastructureLogLines()
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, ".dev", "logs");
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            List<string> lines;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                lines = [.. reader.ReadToEnd().Split('\n')];
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var line in lines)
            {
                yield return line;
            }
        }
    }

    /// <summary>
    /// Tables (every schema of the test database) with a row holding <paramref name="needle"/> in any
    /// column (cast to text; bytea shows as hex), except DataSource's encrypted secret column.
    /// </summary>
    private static async Task<IReadOnlyList<string>> TablesContainingAsync(TestDatabase database, string needle)
    {
        await using var connection = new NpgsqlConnection(database.AdminConnectionString);
        var columns = await connection.QueryAsync<(string Schema, string Table, string Column)>(
            """
            select c.table_schema, c.table_name, c.column_name
            from information_schema.columns c
            join information_schema.tables t using (table_schema, table_name)
            where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
              and not (c.table_schema = 'datasource' and c.table_name = 'data_sources' and c.column_name = 'secret_ciphertext')
            order by c.table_schema, c.table_name, c.ordinal_position
            """);
        var hits = new List<string>();
        foreach (var table in columns.GroupBy(c => (c.Schema, c.Table)))
        {
            var text = string.Join(" || ' ' || ", table.Select(c => $"coalesce(t.\"{c.Column}\"::text, '')"));
            if (await connection.ExecuteScalarAsync<bool>(
                $"select exists (select 1 from \"{table.Key.Schema}\".\"{table.Key.Table}\" t where strpos({text}, @needle) > 0)", new { needle }))
            {
                hits.Add($"{table.Key.Schema}.{table.Key.Table}");
            }
        }

        return hits;
    }

    private static async Task<bool> SecretStoredEncryptedAsync(TestDatabase database, Guid dataSourceId)
    {
        await using var connection = new NpgsqlConnection(database.AdminConnectionString);
        return await connection.ExecuteScalarAsync<bool>(
            "select secret_ciphertext is not null and length(secret_ciphertext) > 0 from datasource.data_sources where id = @dataSourceId", new { dataSourceId });
    }

    /// <summary>
    /// A queue of our own on the virtual host's firehose (<c>amq.rabbitmq.trace</c>, switched on for the
    /// virtual host through the management API): a copy of every message published from then on, to any
    /// exchange, including those declared later (MassTransit declares a bus's response exchange on its
    /// first request). https://www.rabbitmq.com/docs/firehose
    /// </summary>
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
            (await http.PutAsJsonAsync($"api/vhosts/{tap._vhost}", new { tracing = true })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"api/queues/{tap._vhost}/{tap._queue}", new { durable = false, auto_delete = false })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"api/bindings/{tap._vhost}/e/amq.rabbitmq.trace/q/{tap._queue}", new { routing_key = "publish.#" })).EnsureSuccessStatusCode();
            return tap;
        }

        /// <summary>Every message published since <see cref="BindAsync"/> (and not drained before).</summary>
        public async Task<IReadOnlyList<string>> DrainAsync()
        {
            var messages = new List<string>();
            while (true)
            {
                using var response = await _http.PostAsJsonAsync($"api/queues/{_vhost}/{_queue}/get",
                    new { count = 5_000, ackmode = "ack_requeue_false", encoding = "auto", truncate = 10_000_000 });
                response.EnsureSuccessStatusCode();
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var batch = doc.RootElement.EnumerateArray().Select(m => m.GetProperty("payload").GetString() ?? string.Empty).ToList();
                messages.AddRange(batch);
                if (batch.Count == 0)
                {
                    return messages;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            using var _ = await _http.DeleteAsync($"api/queues/{_vhost}/{_queue}");
            _http.Dispose();
        }
    }
}

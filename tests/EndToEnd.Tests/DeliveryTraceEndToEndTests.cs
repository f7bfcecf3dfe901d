using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// The services export their spans over OTLP/HTTP to a receiver in the test: one delivery is one
/// trace, from the poll that found it, through ReportAvailable, the parser's import, ReportImported and
/// CostsImported (each through an outbox), to Query's pull of the rollup that makes the costs queryable.
/// </summary>
public class DeliveryTraceEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Delivery_FromPollToQueryableCosts_IsOneTraceAcrossTheServices()
    {
        await using var delivered = await DeliveredMonth.StartAsync();
        var (moto, account, month) = (delivered.Moto, delivered.Account, delivered.Month);

        await using var receiver = OtlpTraceReceiver.Start();
        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "CurParser", "CurPoller", "Query"], receiver.Environment);
        List<ExportedSpan> trace = [];
        try
        {
            using var admin = await stack.RegisterAsync("trace");
            var created = await admin.ConnectPayerAsync(account, "Traced payer");
            var (from, to) = (delivered.From, delivered.To);
            await Eventually.Get(
                async () => (await admin.Query.GetCostsAsync(from, to)).Total == month.Total ? (object)true : null,
                Patience, $"Query to show the imported month ({month.Total} USD)");
            var importId = Assert.Single((await admin.Query.ListImportsAsync(created.Id)).Items).ImportId.ToString();
            var dataSourceId = created.Id.ToString();

            // The hops of a delivery, each a span of the same trace hanging from another of it (a consumer
            // continues its publisher's span; an outbox publish continues the span that wrote the row).
            (string Name, Func<ExportedSpan, bool> Matches)[] Links =
            [
                ("poll", s => s.Service == "digiusher-cur-poller" && s.Name == "curpoller poll"),
                ("ReportAvailable published", s => s.Service == "digiusher-cur-poller" && s.Name == "outbox publish ReportAvailable"),
                ("ReportAvailable imported", s => s.Service == "digiusher-cur-parser" && s.Name.EndsWith("report-available process", StringComparison.Ordinal)),
                ("ReportImported published", s => s.Service == "digiusher-cur-parser" && s.Name == "outbox publish ReportImported"),
                ("CostsImported published", s => s.Service == "digiusher-cur-parser" && s.Name == "outbox publish CostsImported"),
                ("CostsImported consumed", s => s.Service == "digiusher-query" && s.Name == "query-costs-imported process"),
                ("rollup pulled", s => s.Service == "digiusher-query" && s.Attributes.GetValueOrDefault("url.full", "").Contains(importId, StringComparison.Ordinal)),
                ("rollup served", s => s.Service == "digiusher-cur-parser" && s.Attributes.GetValueOrDefault("url.path", "").Contains(importId, StringComparison.Ordinal)),
            ];

            // The poll that published the delivery roots the trace; Query's pull of that import ends it.
            trace = await Eventually.Get(() =>
            {
                var spans = receiver.Spans;
                var polls = spans.Where(s => s.Name == "curpoller poll" && s.Attributes.GetValueOrDefault("digiusher.data_source.id") == dataSourceId)
                    .Select(s => s.TraceId).ToHashSet();
                var published = spans.Where(s => polls.Contains(s.TraceId) && s.Name == "outbox publish ReportAvailable").Select(s => s.TraceId).Distinct().ToList();
                var chain = published.Count == 1 ? spans.Where(s => s.TraceId == published[0]).ToList() : [];
                var ids = chain.Select(s => s.SpanId).ToHashSet();
                return Task.FromResult(Links.All(link => chain.Any(s => link.Matches(s) && (link.Name == "poll" || ids.Contains(s.ParentSpanId)))) ? chain : null);
            }, Patience, "the spans of one trace from the poll to Query's pull of the import");

            var root = Assert.Single(trace, s => s.Name == "curpoller poll");
            Assert.Equal(("digiusher-cur-poller", ""), (root.Service, root.ParentSpanId));
        }
        catch (Exception ex)
        {
            var seen = trace.Count > 0 ? trace : receiver.Spans
                .Where(s => !s.Attributes.ContainsKey("db.system.name") && !s.Name.StartsWith("GET /api/v1/costs", StringComparison.Ordinal)).TakeLast(60).ToList();
            throw new InvalidOperationException($"{ex.Message}\n{string.Join('\n', seen)}\n{stack.Logs()}", ex);
        }
    }
}

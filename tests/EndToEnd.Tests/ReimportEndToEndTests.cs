using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// <c>digiusher-admin reimport</c> against the real services: DataSource takes the request, CurPoller
/// announces the period's newest delivery anew, CurParser imports it again and swaps it in, Query pulls
/// it. Each run gives a new current import with the same exact totals; bad arguments are refused.
/// </summary>
public class ReimportEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Reimport_OfAnImportedMonth_MakesANewImportCurrentWithTheSameExactTotals()
    {
        await using var delivered = await DeliveredMonth.StartAsync();
        var (moto, account, month) = (delivered.Moto, delivered.Account, delivered.Month);

        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "CurParser", "CurPoller", "Query"]);
        try
        {
            using var admin = await stack.RegisterAsync("reimport");
            var created = await admin.ConnectPayerAsync(account, "Reimported payer");
            var (from, to) = (delivered.From, delivered.To);
            var first = await CurrentImportAsync(admin, created.Id, month, null);

            // Refused before anything moves, each with what is wrong.
            var notAnId = await RunAsync(stack, "reimport", "payer-one", month.BillingPeriod);
            Assert.Equal(2, notAnId.ExitCode);
            Assert.Contains("'payer-one' is not a data source id", notAnId.Output, StringComparison.Ordinal);
            var notAMonth = await RunAsync(stack, "reimport", created.Id.ToString(), "2025-13");
            Assert.Equal(2, notAMonth.ExitCode);
            Assert.Contains("'2025-13' is not a month: write it yyyy-MM", notAMonth.Output, StringComparison.Ordinal);
            var unknown = Guid.NewGuid();
            var notFound = await RunAsync(stack, "reimport", unknown.ToString(), month.BillingPeriod);
            Assert.Equal(2, notFound.ExitCode);
            Assert.Contains($"DataSource has no data source {unknown}.", notFound.Output, StringComparison.Ordinal);
            Assert.Equal(first, await CurrentImportAsync(admin, created.Id, month, null));

            // Twice: each run replaces the period's import; the totals stay exact (never added up twice).
            var previous = first;
            for (var run = 1; run <= 2; run++)
            {
                var (exitCode, output) = await RunAsync(stack, "reimport", created.Id.ToString(), month.BillingPeriod, "--wait-minutes", "2.5");
                Assert.True(exitCode == 0, output);
                Assert.Contains($"Re-import of {month.BillingPeriod} for data source {created.Id} asked", output, StringComparison.Ordinal);
                Assert.Contains($"is current: {month.Rows} rows", output, StringComparison.Ordinal);
                var current = await CurrentImportAsync(admin, created.Id, month, previous);
                Assert.NotEqual(previous, current);
                Assert.Equal(month.Total, (await admin.Query.GetCostsAsync(from, to)).Total);
                Assert.Equal(month.ByResource(account.Resources[0].ResourceId),
                    (await admin.Query.GetCostsAsync(from, to, groupBy: ["resource"])).Items.Single(g => g.Keys["resource"] == account.Resources[0].ResourceId).Amount);
                previous = current;
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    /// <summary>The period's current import once Query has loaded its costs (another than <paramref name="not"/>).</summary>
    private static async Task<Guid> CurrentImportAsync(DigiUsher.Client.DigiUsherClient client, Guid dataSourceId, CurMonth month, Guid? not) =>
        (await Eventually.Get<Guid?>(async () =>
        {
            var import = (await client.Query.ListImportsAsync(dataSourceId).UnlessUnknownAsync())?.Items.SingleOrDefault();
            return import is { CostsStatus: "loaded" } && import.ImportId != not && import.BillingPeriod == month.BillingPeriod && import.Rows == month.Rows
                ? import.ImportId
                : null;
        }, Patience, $"a current import of {month.BillingPeriod} with its costs loaded in Query")).GetValueOrDefault();

    private static Task<(int ExitCode, string Output)> RunAsync(ServiceStack stack, params string[] arguments) =>
        AdminTool.RunAsync(stack.VirtualHost.Name, $"DataSource={stack["DataSource"].BaseAddress}", stack.Database.AdminConnectionString, arguments);
}

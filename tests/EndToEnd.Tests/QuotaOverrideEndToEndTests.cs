using System.Globalization;
using DigiUsher.Client.DataSource;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// A quota DataSource does not enforce itself reaches the service that does: an operator raises one
/// organization's rows per delivery with <c>digiusher-admin quotas set</c>; DataSource hands the override
/// to CurParser with the data source's credentials, and the same month imports for that organization
/// while another organization, held to the default, is stopped with an error that names the quota; raised
/// for that one too, its re-import completes at once.
/// </summary>
public class QuotaOverrideEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Import_WhenAnOperatorRaisedOneOrganizationsRowsPerDelivery_CompletesForItWhileAnotherIsStoppedAtTheDefaultUntilRaisedToo()
    {
        await using var delivered = await DeliveredMonth.StartAsync();
        var month = delivered.Month;
        var quota = month.Rows - 1;
        await using var stack = await ServiceStack.StartAsync(delivered.Moto.Url, ["DataSource", "CurParser", "CurPoller", "Query"],
            new Dictionary<string, string> { ["Quotas__DeliveryRows"] = quota.ToString(CultureInfo.InvariantCulture) });
        try
        {
            var (big, bigOrganization) = await stack.RegisterOrganizationAsync("quota-big");
            using var bigClient = big;
            var (small, smallOrganization) = await stack.RegisterOrganizationAsync("quota-small");
            using var smallClient = small;
            var (exitCode, output) = await AdminTool.RunAsync(stack.VirtualHost.Name, $"DataSource={stack["DataSource"].BaseAddress}", null,
                "quotas", "set", bigOrganization.ToString(), "--delivery-rows", (month.Rows * 2).ToString(CultureInfo.InvariantCulture), "--reason", "month-end");
            Assert.True(exitCode == 0, output);

            var bigSource = await big.ConnectPayerAsync(delivered.Account, "Big payer");
            var smallSource = await small.ConnectPayerAsync(delivered.Account, "Small payer");

            var imported = await Eventually.Get(async () => (await big.DataSource.GetDataSourceStatusAsync(bigSource.Id)).Imports
                .SelectMany(p => p.Deliveries).FirstOrDefault(d => d.State == ImportState.Imported), Patience, "the big organization's month imported");
            var stopped = await Eventually.Get(async () => (await small.DataSource.GetDataSourceStatusAsync(smallSource.Id)).Imports
                .SelectMany(p => p.Deliveries).FirstOrDefault(d => d.State == ImportState.Failed), Patience, "the small organization's import stopped");

            Assert.Equal(month.Rows, imported.Rows);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"the delivery passed {quota:N0} line items, the organization's quota of rows per delivery (Quotas:DeliveryRows)"),
                stopped.Error?.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(
                (await small.DataSource.GetDataSourceStatusAsync(smallSource.Id)).Imports.SelectMany(p => p.Deliveries), d => d.State == ImportState.Imported);
            var bigQuotas = await big.DataSource.GetQuotasAsync();
            Assert.Equal(month.Rows * 2, bigQuotas.DeliveryRows);
            Assert.Equal(QuotaSource.Override, bigQuotas.Sources.DeliveryRows);
            Assert.Equal(QuotaSource.Default, (await small.DataSource.GetQuotasAsync()).Sources.DeliveryRows);

            // The operator raises the stopped organization's quota and re-imports the month: CurParser runs it under
            // the new quota at once (OrganizationQuotasChanged drops the credentials it cached with the old one,
            // which it would otherwise keep for Aws:CredentialCacheDuration, 5 minutes, beyond this test's patience).
            var raised = await AdminTool.RunAsync(stack.VirtualHost.Name, $"DataSource={stack["DataSource"].BaseAddress}", stack.Database.AdminConnectionString,
                "quotas", "set", smallOrganization.ToString(), "--delivery-rows", (month.Rows * 2).ToString(CultureInfo.InvariantCulture), "--reason", "month-end");
            Assert.True(raised.ExitCode == 0, raised.Output);
            var reimported = await AdminTool.RunAsync(stack.VirtualHost.Name, $"DataSource={stack["DataSource"].BaseAddress}", stack.Database.AdminConnectionString,
                "reimport", smallSource.Id.ToString(), month.BillingPeriod, "--wait-minutes", "3");
            Assert.True(reimported.ExitCode == 0, reimported.Output);
            Assert.Contains($"is current: {month.Rows} rows", reimported.Output, StringComparison.Ordinal);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }
}

using DigiUsher.Client;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Query;
using DigiUsher.Client.Tokens;
using DigiUsher.Demo;

// The demonstration behind `scripts/dev demo`: the services are already running on local
// infrastructure; this seeds moto with an AWS account and one closed month of CUR, connects the
// account through the public API exactly as a customer would, waits for import and discovery, and
// prints what DigiUsher answers.
var motoUrl = Environment.GetEnvironmentVariable("DEMO_MOTO_URL") ?? "http://127.0.0.1:5000";
var email = $"finops-{DateTime.UtcNow:yyyyMMddHHmmss}@example.com";
const string password = "correct-horse-battery-staple";
using var api = new DigiUsherClient(
    new DigiUsherEndpoints(
        new Uri(Environment.GetEnvironmentVariable("DEMO_DATASOURCE_URL") ?? "http://127.0.0.1:5101/"),
        new Uri(Environment.GetEnvironmentVariable("DEMO_QUERY_URL") ?? "http://127.0.0.1:5105/"),
        new Uri(Environment.GetEnvironmentVariable("DEMO_RESOURCEDISCOVERY_URL") ?? "http://127.0.0.1:5104/")),
    (dataSource, _) => PasswordTokenSource.ForUser(dataSource, email, password));
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var ct = cts.Token;

Section("1. An AWS account in moto");
var account = new DemoAccount(motoUrl);
await account.SeedAsync(ct);
foreach (var group in account.Resources.GroupBy(r => r.Kind))
{
    Console.WriteLine($"   {group.Key,-12} {group.Count(),3}   {string.Join(", ", group.Select(r => r.ResourceId).Take(4))}{(group.Count() > 4 ? ", ..." : "")}");
}

var today = DateOnly.FromDateTime(DateTime.UtcNow);
var month = new DemoCurMonth(account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
await month.UploadAsync(motoUrl, account.CurBucket, ct);
Console.WriteLine($"   CUR {DemoCurMonth.ReportName} for {month.BillingPeriod}: {month.Rows:N0} hourly line items in s3://{account.CurBucket}/{DemoCurMonth.Prefix}/, unblended {month.TotalUnblended:N2} USD");

Section("2. Register, log in, connect the payer account");
var registered = await api.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = "Demo Corp" }, ct);
Console.WriteLine($"   organization {registered.OrganizationId} admin {email}");
// By role, as the connection guide recommends: DigiUsher issues the external id and the trust policy,
// the customer creates the role with them.
var issued = await api.DataSource.IssueExternalIdAsync(ct);
var roleArn = await account.CreateRoleAsync(System.Text.Json.JsonSerializer.Serialize(issued.TrustPolicy.AdditionalProperties), ct);
Console.WriteLine($"   role {roleArn} trusts {issued.PrincipalArn} with external id {issued.ExternalId}");
var dataSource = await api.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
{
    Name = "Demo payer account",
    Kind = "aws-root",
    RoleArn = roleArn,
    ExternalId = issued.ExternalId,
    Bucket = account.CurBucket,
    Prefix = DemoCurMonth.Prefix,
    Region = "us-east-1",
}, ct);
Console.WriteLine($"   data source {dataSource.Id}: report {dataSource.ReportName}, payer {dataSource.PayerAccountId}");
foreach (var check in dataSource.Validation?.Permissions ?? [])
{
    Console.WriteLine($"     {check.Action,-36} {check.Status,-12} {check.Detail}");
}

Section("3. Waiting for the import and the discovery");
var progress = new ProgressLine();
var status = await WaitAsync(async () =>
{
    var s = await api.DataSource.GetDataSourceStatusAsync(dataSource.Id, ct);
    progress.Show(s, month.BillingPeriod);
    var imported = s.Imports.Any(p => p.BillingPeriod == month.BillingPeriod && p.CurrentDeliveryId is not null);
    return imported && s.LastDiscovery?.FinishedAt is not null ? s : null;
}, ct);
Console.WriteLine($"   last poll: {status.LastPoll?.At}, deliveries found {status.LastPoll?.DeliveriesFound}");
Console.WriteLine($"   imported {month.BillingPeriod}: delivery {status.Imports[0].CurrentDeliveryId}");
Console.WriteLine($"   discovery: {string.Join(", ", status.LastDiscovery?.Counts?.Select(c => $"{c.Key} {c.Value}") ?? [])}");

var from = DateOnly.ParseExact(month.BillingPeriod + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
var to = from.AddMonths(1).AddDays(-1);
Console.WriteLine("   waiting for Query to load the month's daily costs ...");
await WaitAsync(async () => (await api.Query.GetCostsAsync(from, to, Metric.Unblended, cancellationToken: ct)) is { Total: not null and not 0m } c ? c : null, ct);

Section($"4. What did we spend in {month.BillingPeriod}? (unblended, by service)");
var byService = await api.Query.GetCostsAsync(from, to, Metric.Unblended, groupBy: ["service"], cancellationToken: ct);
PrintGroups(byService);
Console.WriteLine($"   file total {month.TotalUnblended:N2} USD   API total {byService.Total:N2} {byService.Currency}   {(byService.Total == month.TotalUnblended ? "equal to the cent" : "DIFFERENT")}");
var amortized = await api.Query.GetCostsAsync(from, to, Metric.Amortized, cancellationToken: ct);
Console.WriteLine($"   amortized (Savings Plan applied): {amortized.Total:N2} {amortized.Currency} (file: {month.TotalAmortized:N2})");

Section("5. By team (tag:team)");
PrintGroups(await api.Query.GetCostsAsync(from, to, Metric.Amortized, groupBy: ["tag:team"], cancellationToken: ct));

Section("6. The most expensive resources");
PrintGroups(await api.Query.GetCostsAsync(from, to, Metric.Unblended, groupBy: ["resource", "region"], cancellationToken: ct), 8);

Section("7. What is wasted (findings)");
var findings = (await api.Query.ListFindingsAsync(cancellationToken: ct)).Items;
foreach (var kind in findings.GroupBy(f => f.Type))
{
    var monthly = kind.Sum(f => f.MonthlyCost ?? 0m);
    Console.WriteLine($"   {kind.Key} ({kind.Count()}){(monthly == 0m ? "" : $", {monthly:N2} USD/month")}");
    foreach (var finding in kind.Take(3))
    {
        Console.WriteLine($"      {finding.ResourceId,-26} {finding.Reason}");
    }
}

Section("8. Who owns what");
PrintGroups(await api.Query.GetCostsAsync(from, to, Metric.Amortized, groupBy: ["owner"], cancellationToken: ct));
Console.WriteLine();
Console.WriteLine("Browse the APIs: http://127.0.0.1:5101/scalar (DataSource) and http://127.0.0.1:5105/scalar (Query).");
Console.WriteLine($"Log in as {email} (POST /connect/token, grant_type=password; services/DataSource/DataSource.http has the requests) for a token of your own.");
Console.WriteLine();
Console.WriteLine($"The console: {Environment.GetEnvironmentVariable("DEMO_CONSOLE_URL") ?? "http://127.0.0.1:5100/"}");
Console.WriteLine($"  sign in as {email}");
Console.WriteLine($"  password   {password}");
Console.WriteLine($"  the dashboard opens on {month.BillingPeriod}, the month the demo imported");
return 0;

static void Section(string title)
{
    Console.WriteLine();
    Console.WriteLine(title);
}

static void PrintGroups(CostsResponse result, int limit = 20)
{
    foreach (var group in result.Items.OrderByDescending(g => g.Amount).Take(limit))
    {
        var label = string.Join("  ", group.Keys.Values.Select(k => string.IsNullOrEmpty(k) ? "(none)" : k));
        Console.WriteLine($"   {label,-48} {group.Amount,14:N2} {result.Currency}");
    }

    Console.WriteLine($"   {"total",-48} {result.Total,14:N2} {result.Currency}");
}

static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, CancellationToken cancellationToken)
    where T : class
{
    while (true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (await probe() is { } done)
            {
                return done;
            }
        }
        catch (DigiUsher.Client.DataSource.ApiException ex) when (ex.StatusCode == 404)
        {
        }

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
    }
}

/// <summary>One line per change while the demo waits: the poll, the import (state, rows), the discovery.</summary>
sealed class ProgressLine
{
    private string? _last;

    public void Show(DataSourceStatus status, string billingPeriod)
    {
        var poll = status.LastPoll is { } p ? $"polled ({p.DeliveriesFound} deliveries found)" : "waiting for the first poll";
        var delivery = status.Imports.FirstOrDefault(i => i.BillingPeriod == billingPeriod)?.Deliveries.LastOrDefault();
        var import = delivery is null ? "not announced yet" : $"{System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(delivery.State.ToString())}{(delivery.Rows is { } rows ? $", {rows} rows" : string.Empty)}";
        var discovery = status.LastDiscovery is { } d ? $"done ({d.Counts?.Values.Sum() ?? 0} resources)" : "running";
        var line = $"   poll: {poll}; import {billingPeriod}: {import}; discovery: {discovery}";
        if (line != _last)
        {
            Console.WriteLine(line);
            _last = line;
        }
    }
}

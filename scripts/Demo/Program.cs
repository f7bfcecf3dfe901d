using System.Globalization;
using System.Text.Json.Nodes;
using DigiUsher.Demo;

// The demonstration behind `scripts/dev demo`: the services are already running on local
// infrastructure; this seeds moto with an AWS account and one closed month of CUR, connects the
// account through the public API exactly as a customer would, waits for import and discovery, and
// prints what DigiUsher answers.
var motoUrl = Environment.GetEnvironmentVariable("DEMO_MOTO_URL") ?? "http://127.0.0.1:5000";
using var api = new DigiUsherClient(
    new Uri(Environment.GetEnvironmentVariable("DEMO_DATASOURCE_URL") ?? "http://127.0.0.1:5101/"),
    new Uri(Environment.GetEnvironmentVariable("DEMO_QUERY_URL") ?? "http://127.0.0.1:5105/"));
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
var email = $"finops-{DateTime.UtcNow:yyyyMMddHHmmss}@example.com";
const string password = "correct-horse-battery-staple";
var registered = await api.PostAsync("api/v1/auth/register", new { email, password, organizationName = "Demo Corp" }, ct);
var token = await api.PostAsync("api/v1/auth/token", new { email, password }, ct);
api.UseToken(token["accessToken"]!.GetValue<string>());
Console.WriteLine($"   organization {registered["organizationId"]} admin {email}");
var dataSource = await api.PostAsync("api/v1/data-sources", new
{
    name = "Demo payer account",
    kind = "aws-root",
    accessKeyId = account.AccessKeyId,
    secretAccessKey = account.SecretAccessKey,
    bucket = account.CurBucket,
    prefix = DemoCurMonth.Prefix,
    region = "us-east-1",
}, ct);
var dataSourceId = dataSource["id"]!.GetValue<string>();
Console.WriteLine($"   data source {dataSourceId}: report {dataSource["reportName"]}, payer {dataSource["payerAccountId"]}");
foreach (var check in dataSource["validation"]?["permissions"]?.AsArray() ?? [])
{
    Console.WriteLine($"     {check?["action"],-36} {check?["status"],-12} {check?["detail"]}");
}

Section("3. Waiting for the import and the discovery");
var progress = new ProgressLine();
var status = await WaitAsync(async () =>
{
    var s = await api.GetDataSourceApiAsync($"api/v1/data-sources/{dataSourceId}/status", ct);
    progress.Show(s, month.BillingPeriod);
    var imported = s["imports"]?.AsArray().Any(p => p?["billingPeriod"]?.GetValue<string>() == month.BillingPeriod && p?["currentDeliveryId"] is not null) == true;
    var discovered = s["lastDiscovery"]?["finishedAt"] is not null;
    return imported && discovered ? s : null;
}, ct);
Console.WriteLine($"   last poll: {status["lastPoll"]?["at"]}, deliveries found {status["lastPoll"]?["deliveriesFound"]}");
Console.WriteLine($"   imported {month.BillingPeriod}: delivery {status["imports"]![0]!["currentDeliveryId"]}");
Console.WriteLine($"   discovery: {status["lastDiscovery"]?["counts"]?.ToJsonString()}");

var from = month.BillingPeriod + "-01";
var to = DateOnly.ParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
Console.WriteLine("   waiting for Query to load the month's daily costs ...");
await WaitAsync(async () =>
{
    var c = await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=unblended", ct);
    return c["total"] is not null && c["total"]!.GetValue<decimal>() != 0m ? c : null;
}, ct);

Section($"4. What did we spend in {month.BillingPeriod}? (unblended, by service)");
var byService = await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=unblended&groupBy=service", ct);
PrintGroups(byService, "service");
Console.WriteLine($"   file total {month.TotalUnblended:N2} USD   API total {byService["total"]!.GetValue<decimal>():N2} {byService["currency"]}   {(byService["total"]!.GetValue<decimal>() == month.TotalUnblended ? "equal to the cent" : "DIFFERENT")}");
var amortized = await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=amortized", ct);
Console.WriteLine($"   amortized (Savings Plan applied): {amortized["total"]!.GetValue<decimal>():N2} {amortized["currency"]} (file: {month.TotalAmortized:N2})");

Section("5. By team (tag:team)");
PrintGroups(await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=amortized&groupBy=tag:team", ct), "tag:team");

Section("6. The most expensive resources");
PrintGroups(await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=unblended&groupBy=resource,region", ct), "resource", 8);

Section("7. What is wasted (findings)");
var findings = (await api.GetQueryApiAsync("api/v1/findings", ct))["items"]?.AsArray() ?? [];
foreach (var kind in findings.GroupBy(f => f?["type"]?.ToString() ?? "?"))
{
    var monthly = kind.Sum(f => f?["monthlyCost"]?.GetValue<decimal?>() ?? 0m);
    Console.WriteLine($"   {kind.Key} ({kind.Count()}){(monthly == 0m ? "" : $", {monthly:N2} USD/month")}");
    foreach (var finding in kind.Take(3))
    {
        Console.WriteLine($"      {finding?["resourceId"],-26} {finding?["reason"]}");
    }
}

Section("8. Who owns what");
var owners = await api.GetQueryApiAsync($"api/v1/costs?from={from}&to={to}&metric=amortized&groupBy=owner", ct);
PrintGroups(owners, "owner");
Console.WriteLine();
Console.WriteLine("Browse the APIs: http://127.0.0.1:5101/scalar (DataSource) and http://127.0.0.1:5105/scalar (Query).");
Console.WriteLine($"Log in as {email} (POST /api/v1/auth/token; services/DataSource/DataSource.http has the requests) for a token of your own.");
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

static void PrintGroups(JsonNode result, string key, int limit = 20)
{
    var groups = result["items"]?.AsArray() ?? [];
    foreach (var group in groups.OrderByDescending(g => g?["amount"]?.GetValue<decimal>() ?? 0m).Take(limit))
    {
        var keys = group?["keys"]?.AsObject();
        var label = keys is null ? "" : string.Join("  ", keys.Select(k => string.IsNullOrEmpty(k.Value?.ToString()) ? "(none)" : k.Value!.ToString()));
        Console.WriteLine($"   {label,-48} {group?["amount"]?.GetValue<decimal>(),14:N2} {result["currency"]}");
    }

    Console.WriteLine($"   {"total",-48} {result["total"]?.GetValue<decimal>(),14:N2} {result["currency"]}");
}

static async Task<JsonNode> WaitAsync(Func<Task<JsonNode?>> probe, CancellationToken cancellationToken)
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
        catch (InvalidOperationException ex) when (ex.Message.Contains(" answered 404", StringComparison.Ordinal))
        {
        }

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
    }
}

/// <summary>One line per change while the demo waits: the poll, the import (state, rows), the discovery.</summary>
sealed class ProgressLine
{
    private string? _last;

    public void Show(JsonNode status, string billingPeriod)
    {
        var poll = status["lastPoll"] is { } p ? $"polled ({p["deliveriesFound"]} deliveries found)" : "waiting for the first poll";
        var delivery = status["imports"]?.AsArray().FirstOrDefault(i => i?["billingPeriod"]?.GetValue<string>() == billingPeriod)?["deliveries"]?.AsArray().LastOrDefault();
        var import = delivery is null ? "not announced yet" : $"{delivery["state"]}{(delivery["rows"] is { } rows ? $", {rows} rows" : string.Empty)}";
        var discovery = status["lastDiscovery"] is { } d ? $"done ({d["counts"]?.AsObject().Sum(c => c.Value?.GetValue<int>() ?? 0)} resources)" : "running";
        var line = $"   poll: {poll}; import {billingPeriod}: {import}; discovery: {discovery}";
        if (line != _last)
        {
            Console.WriteLine(line);
            _last = line;
        }
    }
}

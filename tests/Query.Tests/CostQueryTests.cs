using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Item = DigiUsher.Query.Tests.GeneratedCosts.CostItem;

namespace DigiUsher.Query.Tests;

/// <summary>
/// <c>POST /api/v1/costs/query</c> and its siblings against sums computed independently over a generated
/// account (<see cref="CostExplorerFixture"/>): each filter operator, granularity, metric, window and the comparison.
/// </summary>
public class CostQueryTests(CostExplorerFixture fixture) : IClassFixture<CostExplorerFixture>
{
    private static readonly DateOnly From = new(2024, 3, 1);
    private static readonly DateOnly To = new(2024, 3, 19);

    private static readonly Dictionary<string, (string Json, Func<Item, bool> Where)> Filters = new()
    {
        ["in"] = ("""{"dimension":"service","in":["AmazonEC2","AmazonRDS"]}""", i => i.Service is "AmazonEC2" or "AmazonRDS"),
        ["in with empty (untagged)"] = ("""{"tag":"team","in":["","web"]}""", i => i.Value("tag:team") is "" or "web"),
        ["startsWith, any case"] = ("""{"dimension":"usageType","startsWith":["eu-"]}""", i => i.UsageType.StartsWith("EU-", StringComparison.Ordinal)),
        ["contains, any case"] = ("""{"dimension":"resource","contains":["DATA"]}""", i => i.Value("resource").Contains("data", StringComparison.Ordinal)),
        ["absent tag"] = ("""{"tag":"team","absent":true}""", i => i.Value("tag:team") == ""),
        ["absent cost category"] = ("""{"costCategory":"Business Unit","absent":true}""", i => i.Value("costCategory:Business Unit") == ""),
        ["absent dimension"] = ("""{"dimension":"region","absent":true}""", i => i.Region == ""),
        ["and, or, not"] = (
            """{"and":[{"or":[{"dimension":"account","in":["111111111111"]},{"tag":"env","in":["dev"]}]},{"not":{"dimension":"lineItemType","in":["Tax"]}}]}""",
            i => (i.Account == "111111111111" || i.Value("tag:env") == "dev") && i.LineItemType != "Tax"),
        ["tag and cost category"] = (
            """{"and":[{"tag":"env","in":["prod"]},{"costCategory":"Business Unit","startsWith":["ret"]}]}""",
            i => i.Value("tag:env") == "prod" && i.Value("costCategory:Business Unit") == "Retail"),
        ["not absent"] = ("""{"not":{"tag":"env","absent":true}}""", i => i.Value("tag:env") != ""),
    };

    private static readonly string[][] Groupings = [["service"], ["tag:team", "account"], ["resource", "costCategory:Business Unit"]];

    public static TheoryData<string, int> FilterCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var filter in Filters.Keys)
        {
            for (var g = 0; g < Groupings.Length; g++)
            {
                data.Add(filter, g);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FilterCases))]
    public async Task Query_WhenFilteredByEachOperator_AnswersTheIndependentSums(string filter, int grouping)
    {
        using var client = fixture.Client();
        var (json, where) = Filters[filter];
        var groupBy = Groupings[grouping];
        string[] metrics = ["unblended", "amortized"];

        var answer = await CostExplorerFixture.QueryAsync(client, new { from = "2024-03-01", to = "2024-03-19", metrics, groupBy, filter = JsonNode.Parse(json) });

        var expected = ExpectedCosts.Sum(fixture.Costs.Items, From, To, "total", groupBy, metrics, where);
        ExpectedCosts.Equal(expected, ExpectedCosts.Read(answer, groupBy), $"{filter} by {string.Join(',', groupBy)}");
        var totals = answer.GetProperty("totals").EnumerateArray().ToDictionary(t => t.GetProperty("currency").GetString()!, t => t.GetProperty("amounts").GetProperty("unblended").GetDecimal());
        var expectedTotals = fixture.Costs.Items.Where(i => i.Day >= From && i.Day <= To && where(i)).GroupBy(i => i.Currency).ToDictionary(g => g.Key, g => g.Sum(i => i.Unblended));
        Assert.Equal(expectedTotals.OrderBy(t => t.Key), totals.OrderBy(t => t.Key));
    }

    public static TheoryData<string, string, string> GranularityCases() => new()
    {
        { "hour", "2024-03-10", "2024-03-12" },
        { "day", "2024-02-25", "2024-03-05" },
        { "week", "2024-02-07", "2024-03-19" },
        { "month", "2024-02-10", "2024-03-19" },
        { "total", "2024-02-01", "2024-03-19" },
    };

    [Theory]
    [MemberData(nameof(GranularityCases))]
    public async Task Query_WhenEachGranularity_AnswersBucketsInTimeOrderWithTheIndependentSums(string granularity, string from, string to)
    {
        using var client = fixture.Client();
        string[] groupBy = ["service", "tag:team"];

        var answer = await CostExplorerFixture.QueryAsync(client, new { from, to, granularity, groupBy, metrics = new[] { "netUnblended" } });

        var range = (DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
        ExpectedCosts.Equal(
            ExpectedCosts.Sum(fixture.Costs.Items, range.Item1, range.Item2, granularity, groupBy, ["netUnblended"]),
            ExpectedCosts.Read(answer, groupBy), granularity);
        var items = answer.GetProperty("items").EnumerateArray().ToList();
        var times = items.Select(i => i.TryGetProperty("time", out var t) ? t.GetString() : null).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
        foreach (var bucket in items.GroupBy(i => i.TryGetProperty("time", out var t) ? t.GetString() : null))
        {
            var amounts = bucket.Select(i => i.GetProperty("amounts").GetProperty("netUnblended").GetDecimal()).ToList();
            Assert.Equal(amounts.OrderDescending(), amounts);
        }

        Assert.Equal(granularity, answer.GetProperty("granularity").GetString());
    }

    [Fact]
    public async Task Query_WhenEveryMetricIsAsked_SumsEachAndKeepsUsageUnitsAndCurrenciesApart()
    {
        using var client = fixture.Client();
        string[] metrics = ["unblended", "netUnblended", "blended", "amortized", "netAmortized", "publicOnDemand", "usageAmount"];
        string[] groupBy = ["service"];

        var answer = await CostExplorerFixture.QueryAsync(client, new { window = "lastMonth", metrics, groupBy });

        var expected = ExpectedCosts.Sum(fixture.Costs.Items, CostExplorerFixture.February, new DateOnly(2024, 2, 29), "total", groupBy, metrics);
        ExpectedCosts.Equal(expected, ExpectedCosts.Read(answer, groupBy), "every metric");
        var s3 = answer.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("keys").GetProperty("service").GetString() == "AmazonS3");
        Assert.Equal(["GB-Mo", "Requests"], s3.GetProperty("usage").EnumerateArray().Select(u => u.GetProperty("unit").GetString()));
        Assert.Equal(metrics.Where(m => m != "usageAmount"), s3.GetProperty("amounts").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["EUR", "USD"], answer.GetProperty("totals").EnumerateArray().Select(t => t.GetProperty("currency").GetString()));
        Assert.Contains(answer.GetProperty("items").EnumerateArray(), i => i.GetProperty("currency").GetString() == "EUR");
    }

    public static TheoryData<string, string, string> WindowCases() => new()
    {
        { "mtd", "2024-03-01", "2024-03-20" },
        { "lastMonth", "2024-02-01", "2024-02-29" },
        { "last30Days", "2024-02-19", "2024-03-19" },
    };

    [Theory]
    [MemberData(nameof(WindowCases))]
    public async Task Query_WhenWindowIsRelative_ReadsItsDaysFromToday(string window, string from, string to)
    {
        using var client = fixture.Client();

        var answer = await CostExplorerFixture.QueryAsync(client, new { window, groupBy = new[] { "account" } });

        Assert.Equal(from, answer.GetProperty("period").GetProperty("from").GetString());
        Assert.Equal(to, answer.GetProperty("period").GetProperty("to").GetString());
        var range = (DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
        ExpectedCosts.Equal(
            ExpectedCosts.Sum(fixture.Costs.Items, range.Item1, range.Item2, "total", ["account"], ["unblended"]),
            ExpectedCosts.Read(answer, ["account"]), window);
    }

    [Fact]
    public async Task Query_WhenComparedToThePreviousPeriod_GivesEachGroupsPreviousAmountAndChange()
    {
        using var client = fixture.Client();
        string[] groupBy = ["service", "region"];
        string[] metrics = ["unblended", "usageAmount"];

        var answer = await CostExplorerFixture.QueryAsync(client, new { window = "mtd", groupBy, metrics, compareTo = "previousPeriod" });

        // Month to date (1-20 March) against the same days of February.
        Assert.Equal("2024-02-01", answer.GetProperty("previousPeriod").GetProperty("from").GetString());
        Assert.Equal("2024-02-20", answer.GetProperty("previousPeriod").GetProperty("to").GetString());
        var current = ExpectedCosts.Sum(fixture.Costs.Items, From, CostExplorerFixture.Today, "total", groupBy, metrics);
        var previous = ExpectedCosts.Sum(fixture.Costs.Items, CostExplorerFixture.February, new DateOnly(2024, 2, 20), "total", groupBy, metrics);
        var zero = new ExpectedCosts.Group(new() { ["unblended"] = 0m }, []);
        foreach (var key in current.Keys.Union(previous.Keys))
        {
            current.TryAdd(key, zero with { Usage = previous[key].Usage.ToDictionary(u => u.Key, _ => 0m) });
            previous.TryAdd(key, zero with { Usage = current[key].Usage.ToDictionary(u => u.Key, _ => 0m) });
        }

        ExpectedCosts.Equal(current, ExpectedCosts.Read(answer, groupBy), "current");
        ExpectedCosts.Equal(previous, ExpectedCosts.Read(answer, groupBy, "previous"), "previous");
        foreach (var item in answer.GetProperty("items").EnumerateArray())
        {
            var now = item.GetProperty("amounts").GetProperty("unblended").GetDecimal();
            var before = item.GetProperty("previous").GetProperty("unblended").GetDecimal();
            var change = item.GetProperty("change").GetProperty("unblended");
            Assert.Equal(now - before, change.GetProperty("amount").GetDecimal());
            if (before != 0)
            {
                Assert.Equal(decimal.Round((now - before) * 100 / Math.Abs(before), 2, MidpointRounding.AwayFromZero), change.GetProperty("percent").GetDecimal());
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, change.GetProperty("percent").ValueKind);
            }
        }
    }

    [Fact]
    public async Task Query_WhenComparedByDay_LinesUpEachDayWithTheSameDayOfThePreviousPeriod()
    {
        using var client = fixture.Client();

        var answer = await CostExplorerFixture.QueryAsync(client, new { from = "2024-03-01", to = "2024-03-07", granularity = "day", compareTo = "previousPeriod" });

        // Seven days from a month's first day: the previous period is the same seven days of February.
        var items = answer.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(7, items.Count(i => i.GetProperty("currency").GetString() == "USD"));
        foreach (var item in items.Where(i => i.GetProperty("currency").GetString() == "USD"))
        {
            var day = DateOnly.Parse(item.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var sameDayBefore = day.AddMonths(-1);
            Assert.Equal(
                fixture.Costs.Items.Where(i => i.Day == sameDayBefore && i.Currency == "USD").Sum(i => i.Unblended),
                item.GetProperty("previous").GetProperty("unblended").GetDecimal());
        }
    }

    [Fact]
    public async Task Query_WhenAnswered_SaysPerBillingPeriodWhichImportDeliveryAndFinalityItIsMadeOf()
    {
        using var client = fixture.Client();

        var answer = await CostExplorerFixture.QueryAsync(client, new { from = "2024-02-15", to = "2024-03-19" });

        var sources = answer.GetProperty("sources").EnumerateArray().ToList();
        Assert.Equal(["2024-02", "2024-03"], sources.Select(s => s.GetProperty("billingPeriod").GetString()));
        Assert.Equal([fixture.FebruaryImport.ImportId, fixture.MarchImport.ImportId], sources.Select(s => s.GetProperty("importId").GetGuid()));
        Assert.Equal([fixture.FebruaryImport.DeliveryId, fixture.MarchImport.DeliveryId], sources.Select(s => s.GetProperty("deliveryId").GetString()));
        Assert.Equal([true, false], sources.Select(s => s.GetProperty("isFinal").GetBoolean()));
        Assert.Equal(["2024-02-29", "2024-03-19"], sources.Select(s => s.GetProperty("lastUsageDay").GetString()));
        Assert.True((fixture.FebruaryImport.ImportedAt - sources[0].GetProperty("dataAsOf").GetDateTimeOffset()).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.True((fixture.FebruaryImport.ImportedAt - answer.GetProperty("dataAsOf").GetDateTimeOffset()).Duration() < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Query_WhenGroupedByServiceAccountAndResource_NamesThemBesideTheIds()
    {
        using var client = fixture.Client();

        var byAccount = await CostExplorerFixture.QueryAsync(client, new { window = "lastMonth", groupBy = new[] { "service", "account" } });
        var byResource = await CostExplorerFixture.QueryAsync(client, new { window = "lastMonth", groupBy = new[] { "resource" } });

        foreach (var item in byAccount.GetProperty("items").EnumerateArray())
        {
            var keys = item.GetProperty("keys");
            var names = item.GetProperty("names");
            Assert.Equal(GeneratedCosts.ServiceNames[keys.GetProperty("service").GetString()!], names.GetProperty("service").GetString());
            var account = GeneratedCosts.Accounts.Single(a => a.Id == keys.GetProperty("account").GetString());
            Assert.Equal(account.Name, names.TryGetProperty("account", out var name) ? name.GetString() : null);
        }

        var resources = byResource.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("keys").GetProperty("resource").GetString()!, i => i.GetProperty("resource"));
        Assert.Equal("i-0web1-name", resources["i-0web1"].GetProperty("name").GetString());
        Assert.Equal("ec2-instance", resources["i-0web1"].GetProperty("kind").GetString());
        Assert.Equal("ana@example.com", resources["i-0web1"].GetProperty("owner").GetString());
        Assert.True(resources["i-0web1"].GetProperty("discovered").GetBoolean());
        Assert.Equal("ebs-snapshot", resources["snap-0old"].GetProperty("kind").GetString());
        Assert.False(resources["snap-0old"].GetProperty("discovered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, resources["logs-bucket"].GetProperty("kind").ValueKind);
    }

    [Fact]
    public async Task Query_WhenPaged_ReturnsEveryGroupOnceWithTheSameTotals()
    {
        using var client = fixture.Client();
        var body = new Dictionary<string, object?> { ["window"] = "lastMonth", ["groupBy"] = new[] { "resource", "usageType" }, ["limit"] = 4 };
        var seen = new List<string>();
        string? cursor = null;
        long? count = null;
        do
        {
            body["cursor"] = cursor;
            var page = await CostExplorerFixture.QueryAsync(client, body);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("keys").ToString() + i.GetProperty("currency").GetString()));
            count ??= page.GetProperty("itemCount").GetInt64();
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(count, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.Count > 4);
    }

    [Fact]
    public async Task DimensionValuesAndTagKeys_WhenListed_CountLineItemsAndCostPerValue()
    {
        using var client = fixture.Client();
        var month = fixture.Costs.Items.Where(i => i.Day.Month == 2).ToList();

        var services = await QueryApp.GetJsonAsync(client, "/api/v1/costs/dimensions/service/values?from=2024-02-01&to=2024-02-29");
        var teams = await QueryApp.GetJsonAsync(client, "/api/v1/costs/dimensions/tag:team/values?from=2024-02-01&to=2024-02-29");
        var tags = await QueryApp.GetJsonAsync(client, "/api/v1/costs/tags?from=2024-02-01&to=2024-02-29");
        var categories = await QueryApp.GetJsonAsync(client, "/api/v1/costs/cost-categories?from=2024-02-01&to=2024-02-29");
        var eu = await QueryApp.GetJsonAsync(client, "/api/v1/costs/dimensions/usageType/values?from=2024-02-01&to=2024-02-29&startsWith=eu-");

        var expectedServices = month.GroupBy(i => i.Service).OrderByDescending(g => g.LongCount()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, GeneratedCosts.ServiceNames[g.Key], g.LongCount())).ToList();
        Assert.Equal(expectedServices, services.GetProperty("items").EnumerateArray()
            .Select(v => (v.GetProperty("value").GetString()!, v.GetProperty("name").GetString()!, v.GetProperty("lineItems").GetInt64())).ToList());
        var rds = services.GetProperty("items").EnumerateArray().Single(v => v.GetProperty("value").GetString() == "AmazonRDS");
        Assert.Equal(
            month.Where(i => i.Service == "AmazonRDS").GroupBy(i => i.Currency).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Sum(i => i.Unblended))),
            rds.GetProperty("costs").EnumerateArray().Select(c => (c.GetProperty("currency").GetString()!, c.GetProperty("amount").GetDecimal())));
        Assert.Equal(
            month.Where(i => i.Value("tag:team") != "").GroupBy(i => i.Value("tag:team")).Select(g => (g.Key, g.LongCount()))
                .OrderByDescending(v => v.Item2).ThenBy(v => v.Key, StringComparer.Ordinal),
            teams.GetProperty("items").EnumerateArray().Select(v => (v.GetProperty("value").GetString()!, v.GetProperty("lineItems").GetInt64())));
        Assert.Equal(
            new[] { ("env", 2L, month.LongCount(i => i.Tags.ContainsKey("env"))), ("team", 2L, month.LongCount(i => i.Tags.ContainsKey("team"))) },
            tags.GetProperty("items").EnumerateArray().Select(k => (k.GetProperty("key").GetString()!, k.GetProperty("values").GetInt64(), k.GetProperty("lineItems").GetInt64()))
                .OrderBy(k => k.Item1, StringComparer.Ordinal));
        Assert.Equal("Business Unit", Assert.Single(categories.GetProperty("items").EnumerateArray()).GetProperty("key").GetString());
        Assert.All(eu.GetProperty("items").EnumerateArray(), v => Assert.StartsWith("EU-", v.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Query_WhenAnotherOrganizationHasCosts_NeverShowsThem()
    {
        using var client = fixture.App.ClientFor(Guid.NewGuid());

        var answer = await CostExplorerFixture.QueryAsync(client, new { window = "mtd", groupBy = new[] { "tag:team" } });
        var values = await QueryApp.GetJsonAsync(client, "/api/v1/costs/dimensions/service/values?from=2024-03-01&to=2024-03-31");

        Assert.Empty(answer.GetProperty("items").EnumerateArray());
        Assert.Empty(answer.GetProperty("totals").EnumerateArray());
        Assert.Empty(answer.GetProperty("sources").EnumerateArray());
        Assert.Empty(values.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Forecast_WhenAsked_ForecastsTheRestOfTheMonthAndThreeMonthsWithAnInterval()
    {
        using var client = fixture.Client();

        var (status, forecast) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/forecast", """{"metric":"amortized","filter":{"dimension":"service","in":["AmazonEC2"]}}""");

        Assert.Equal(200, status);
        // The newest day (19 March) is partial until the month is final: the actual costs end the day before.
        Assert.Equal("2024-03-18", forecast.GetProperty("lastCompleteDay").GetString());
        var usd = Assert.Single(forecast.GetProperty("items").EnumerateArray());
        Assert.Equal("USD", usd.GetProperty("currency").GetString());
        var toDate = fixture.Costs.Items.Where(i => i.Service == "AmazonEC2" && i.Day >= From && i.Day <= new DateOnly(2024, 3, 18)).Sum(i => i.Amortized);
        Assert.Equal(toDate, usd.GetProperty("monthToDate").GetProperty("amount").GetDecimal());
        var rest = usd.GetProperty("restOfMonth");
        Assert.Equal(("2024-03-19", "2024-03-31"), (rest.GetProperty("from").GetString(), rest.GetProperty("to").GetString()));
        Assert.Equal(toDate + rest.GetProperty("amount").GetDecimal(), usd.GetProperty("month").GetProperty("amount").GetDecimal());
        Assert.Equal(["2024-04-01", "2024-05-01", "2024-06-01"], usd.GetProperty("nextMonths").EnumerateArray().Select(m => m.GetProperty("from").GetString()));
        foreach (var span in usd.GetProperty("nextMonths").EnumerateArray().Append(rest))
        {
            var (lower, amount, upper) = (span.GetProperty("lower").GetDecimal(), span.GetProperty("amount").GetDecimal(), span.GetProperty("upper").GetDecimal());
            Assert.True(lower < amount && amount < upper, span.ToString());
        }

        // A steady EC2 bill of about 10 USD a day: the forecast stays within a plausible band.
        var daily = toDate / 18;
        var april = usd.GetProperty("nextMonths")[0].GetProperty("amount").GetDecimal();
        Assert.InRange(april, daily * 30 * 0.7m, daily * 30 * 1.3m);
        Assert.NotEmpty(forecast.GetProperty("method").GetString()!);
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        { """{"grupBy":["service"]}""", "unknownFields", "grupBy" },
        { """{"filter":{"dimension":"service","equals":["x"]}}""", "unknownFields", "filter.equals" },
        { """{"groupBy":["colour"]}""", "groupBy[0]", "service" },
        { """{"groupBy":["service","region","account","usageType"]}""", "groupBy", "" },
        { """{"filter":{"dimension":"colour","in":["x"]}}""", "filter.dimension", "lineItemType" },
        { """{"filter":{"and":[{"dimension":"service","in":["x"]},{"dimension":"service","in":["x"],"contains":["y"]}]}}""", "filter.and[1]", "startsWith" },
        { """{"filter":{}}""", "filter", "" },
        { """{"filter":{"tag":"team","absent":false}}""", "filter.absent", "" },
        { """{"metrics":["cheapest"]}""", "metrics[0]", "netAmortized" },
        { """{"granularity":"fortnight"}""", "granularity", "week" },
        { """{"window":"ytd"}""", "window", "last30Days" },
        { """{"window":"mtd","from":"2024-03-01"}""", "window", "" },
        { """{"from":"2024-03-01"}""", "to", "" },
        { """{"compareTo":"lastYear"}""", "compareTo", "previousPeriod" },
        { """{"granularity":"hour","from":"2024-03-01","to":"2024-03-02"}""", "from", "" },
        { """{"granularity":"hour","from":"2024-03-10","to":"2024-03-11","groupBy":["resource"]}""", "groupBy", "pricingUnit" },
        { """{"limit":0}""", "limit", "" },
        { """{"from":"2024-03-32","to":"2024-04-01"}""", "", "'from'" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Query_WhenBodyIsInvalid_Answers400NamingTheFieldAndWhatIsAllowed(string body, string field, string allowed)
    {
        using var client = fixture.Client();

        var (status, problem) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/query", body);

        Assert.Equal(400, status);
        if (field == "unknownFields")
        {
            Assert.Equal([allowed], problem.GetProperty("unknownFields").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal(JsonValueKind.Object, problem.GetProperty("allowedFields").ValueKind);
        }
        else if (field.Length > 0)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
            if (allowed.Length > 0)
            {
                Assert.Contains(allowed, problem.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));
            }
        }
        else
        {
            Assert.Contains(allowed, problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Query_WhenAnOperatorIsUnknown_ListsTheOperatorsAFilterNodeTakes()
    {
        using var client = fixture.Client();

        var (status, problem) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/query", """{"filter":{"or":[{"tag":"team","matches":"w.*"}]}}""");

        Assert.Equal(400, status);
        Assert.Equal(["filter.or[0].matches"], problem.GetProperty("unknownFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(["and", "or", "not", "dimension", "tag", "costCategory", "in", "startsWith", "contains", "absent"],
            problem.GetProperty("allowedFields").GetProperty("filter.or[0]").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task ExportQuery_WhenAsked_StreamsEveryGroupAsCsvAndRefusesPaging()
    {
        using var client = fixture.Client();
        const string Body = """{"window":"lastMonth","granularity":"month","groupBy":["service","account"],"metrics":["unblended","usageAmount"],"compareTo":"previousPeriod"}""";

        using var response = await client.PostAsync("/api/v1/costs/export", new StringContent(Body, System.Text.Encoding.UTF8, "application/json"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var (pagedStatus, _) = await CostExplorerFixture.PostAsync(client, "/api/v1/costs/export", """{"window":"lastMonth","limit":10}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("month,service,account,service name,account name,currency,unblended,previous unblended,change unblended,usageAmount", lines[0]);
        var expected = ExpectedCosts.Sum(fixture.Costs.Items, CostExplorerFixture.February, new DateOnly(2024, 2, 29), "total", ["service", "account"], ["unblended"]);
        Assert.Equal(expected.Count, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith("2024-02,AmazonS3,111111111111,Amazon Simple Storage Service,Production,USD,", StringComparison.Ordinal) && l.Contains(" GB-Mo; ", StringComparison.Ordinal));
        Assert.Equal(400, pagedStatus);
    }
}

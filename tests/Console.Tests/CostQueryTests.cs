using DigiUsher.Console.Apis;
using DigiUsher.Console.Costs;
using Microsoft.AspNetCore.WebUtilities;

namespace DigiUsher.Console.Tests;

public class CostQueryTests
{
    private static readonly DateOnly Today = new(2026, 3, 15);

    private static (CostQuery Query, IReadOnlyList<string> Problems) Parse(string url) =>
        CostQuery.FromUrl(QueryHelpers.ParseQuery(new Uri("http://console" + url).Query), Today);

    [Fact]
    public void FromUrl_WhenGivenTheUrlOfAQuery_ReturnsTheSameQuery()
    {
        var query = new CostQuery(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 28), "amortized", ["day", "service", "tag:team"],
            [new CostFilter("region", ["us-east-1", "eu-west-1"]), new CostFilter("tag:team", [""])], Guid.Parse("0192d6a0-0000-7000-8000-000000000001"));

        var (parsed, problems) = Parse(query.ToUrl("/costs"));

        Assert.Empty(problems);
        Assert.Equal(query.From, parsed.From);
        Assert.Equal(query.To, parsed.To);
        Assert.Equal(query.Metric, parsed.Metric);
        Assert.Equal(query.GroupBy, parsed.GroupBy);
        Assert.Equal(query.DataSourceId, parsed.DataSourceId);
        Assert.Equal(query.Filters.OrderBy(f => f.Dimension).Select(f => (f.Dimension, string.Join('|', f.Values))), parsed.Filters.Select(f => (f.Dimension, string.Join('|', f.Values))));
    }

    [Fact]
    public void ToQueryString_WhenAskingForUntagged_SendsTheTagWithAnEmptyValue()
    {
        var query = new CostQuery(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 15), "unblended", ["tag:team"], [new CostFilter("tag:team", [""])], null);

        Assert.Equal("?from=2026-03-01&to=2026-03-15&metric=unblended&groupBy=tag%3Ateam&tag%3Ateam=", query.ToQueryString().ToString());
    }

    [Fact]
    public void FromUrl_WhenTheUrlHasBadParts_NamesEachAndUsesTheDefaults()
    {
        var (query, problems) = Parse("/costs?from=2026-13-01&metric=cheapest&groupBy=service,account,region,usageType,colour&dataSourceId=nope");

        Assert.Equal(new DateOnly(2026, 3, 1), query.From);
        Assert.Equal(Today, query.To);
        Assert.Equal("unblended", query.Metric);
        Assert.Equal(["service", "account", "region"], query.GroupBy);
        Assert.Null(query.DataSourceId);
        Assert.Contains(problems, p => p.Contains("'2026-13-01'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'cheapest'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'colour'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("at most 3", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'nope'", StringComparison.Ordinal));
    }

    [Fact]
    public void FromUrl_WhenOnlyFromIsGiven_ShowsThatMonth()
    {
        var (query, problems) = Parse("/costs?from=2026-01-01");

        Assert.Empty(problems);
        Assert.Equal(new DateOnly(2026, 1, 31), query.To);
    }

    [Fact]
    public void Problems_WhenTheRangeIsBackwardsOrTooLong_SayWhat()
    {
        var backwards = CostQuery.MonthOf(Today) with { From = Today, To = Today.AddDays(-1) };
        var tooLong = CostQuery.MonthOf(Today) with { From = Today.AddMonths(-14) };

        Assert.Contains(backwards.Problems(), p => p.Contains("after the end date", StringComparison.Ordinal));
        Assert.Contains(tooLong.Problems(), p => p.Contains("longer than 13 months", StringComparison.Ordinal));
        Assert.Empty(CostQuery.MonthOf(Today).Problems());
    }

    [Fact]
    public void Draft_WhenGroupByHasGapsAndValuesHaveSpaces_BuildsTheQueryInOrder()
    {
        var draft = new ExplorerDraft();
        draft.Load(CostQuery.MonthOf(Today));
        draft.SetGroupBy(0, "region");
        draft.SetGroupBy(1, "");
        draft.SetGroupBy(2, "tag:env");
        draft.AddFilter();
        draft.Filters[0].Dimension = "service";
        draft.Filters[0].Values = " AmazonEC2 , AmazonS3,AmazonEC2";

        var query = draft.ToQuery();

        Assert.Equal(["region", "tag:env"], query.GroupBy);
        Assert.Equal(["AmazonEC2", "AmazonS3"], Assert.Single(query.Filters).Values);
    }
}

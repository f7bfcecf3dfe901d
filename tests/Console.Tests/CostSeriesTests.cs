using DigiUsher.Client.Query;
using DigiUsher.Console.Costs;

namespace DigiUsher.Console.Tests;

public class CostSeriesTests
{
    private static CostGroup Day(string day, string service, decimal amount, string currency = "USD") =>
        CostSeries.Group(new Dictionary<string, string> { ["day"] = day, ["service"] = service }, currency, amount);

    [Fact]
    public void DailyStacked_WhenMoreServicesThanShown_SumsTheRestIntoOtherAndFillsEveryDay()
    {
        var groups = new[]
        {
            Day("2026-03-01", "AmazonEC2", 10m), Day("2026-03-03", "AmazonEC2", 30m),
            Day("2026-03-01", "AmazonS3", 5m), Day("2026-03-02", "AWSLambda", 1m), Day("2026-03-02", "AmazonRDS", 2m),
            Day("2026-03-02", "AmazonEC2", 7m, "EUR"),
        };

        var series = CostSeries.DailyStacked(groups, "service", new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 3), "USD", top: 2);

        Assert.Equal(["AmazonEC2", "AmazonS3", CostSeries.Other], series.Select(s => s.Name));
        Assert.All(series, s => Assert.Equal(["2026-03-01", "2026-03-02", "2026-03-03"], s.Points.Select(p => p.Category)));
        Assert.Equal([10m, 0m, 30m], series[0].Points.Select(p => p.Value));
        Assert.Equal([0m, 3m, 0m], series[2].Points.Select(p => p.Value));
        Assert.Equal(48m, series.Sum(s => s.Total));
    }

    [Fact]
    public void DailyStacked_WhenOnlyOneMoreThanShown_DrawsItInsteadOfOther()
    {
        var groups = new[] { Day("2026-03-01", "A", 3m), Day("2026-03-01", "B", 2m), Day("2026-03-01", "", 1m) };

        var series = CostSeries.DailyStacked(groups, "service", new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 1), "USD", top: 2);

        Assert.Equal(["A", "B", "(none)"], series.Select(s => s.Name));
    }

    [Fact]
    public void Top_WhenTheTotalIsGiven_OtherIsTheTotalLessTheTopValues()
    {
        var page = Enumerable.Range(1, 7).Select(i => CostSeries.Group(new Dictionary<string, string> { ["resource"] = $"r{i}" }, "USD", 10m * i)).ToList();

        var top = CostSeries.Top(page, "resource", "USD", top: 3, total: 1000m);

        Assert.Equal(["r7", "r6", "r5", CostSeries.Other], top.Select(p => p.Category));
        Assert.Equal(1000m - 180m, top[^1].Value);
        Assert.Equal(1000m, top.Sum(p => p.Value));
    }

    private static CostsResponse Costs(IReadOnlyList<string> groupBy, decimal total, IReadOnlyList<CostGroup> items) => new()
    {
        From = new DateOnly(2026, 3, 1),
        To = new DateOnly(2026, 3, 2),
        Metric = "unblended",
        GroupBy = groupBy,
        Currency = "USD",
        Total = total,
        Totals = [Money.Amount("USD", total)],
        Items = items,
    };

    [Fact]
    public void ForExplorer_WhenGroupedByDayAndService_StacksServicesOverTheDays()
    {
        var costs = Costs(["day", "service"], 6m, [Day("2026-03-01", "AmazonEC2", 1m), Day("2026-03-02", "AmazonEC2", 2m), Day("2026-03-02", "AmazonS3", 3m)]);

        var series = CostSeries.ForExplorer(costs, "USD");

        Assert.Equal(["AmazonEC2", "AmazonS3"], series.Select(s => s.Name).Order());
        Assert.Equal([0m, 3m], series.Single(s => s.Name == "AmazonS3").Points.Select(p => p.Value));
    }

    [Fact]
    public void ToCsv_WhenKeysLookLikeFormulasOrHaveCommas_QuotesThemAndKeepsExactAmounts()
    {
        var costs = Costs(
            ["service", "tag:team"],
            3.333333m,
            [
                CostSeries.Group(new Dictionary<string, string> { ["service"] = "=HYPERLINK(\"x\")", ["tag:team"] = "a,b" }, "USD", 3.333333m),
                CostSeries.Group(new Dictionary<string, string> { ["service"] = "AmazonS3", ["tag:team"] = "" }, "USD", 0m),
            ]);

        var csv = CostTable.From(costs).ToCsv();

        Assert.Equal("Service,Tag team,Currency,Unblended cost\r\n\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",USD,3.333333\r\nAmazonS3,(untagged),USD,0\r\n", csv);
    }

    [Fact]
    public void Money_WhenFormatting_ShowsTheCurrencyAndNeverAddsCurrencies()
    {
        Assert.Equal("1,234.50 USD", Money.Format(1234.5m, "USD"));
        Assert.Equal("0.0042 USD", Money.Format(0.0042m, "USD"));
        Assert.Equal("10.00 USD + 2.00 EUR", Money.Format([Money.Amount("USD", 10m), Money.Amount("EUR", 2m)]));
    }

    [Fact]
    public void DashboardPeriod_WhenCurrentMonth_ComparesWithTheSameDaysOfTheMonthBefore()
    {
        var period = DashboardPeriod.For(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));
        var closed = DashboardPeriod.For(new DateOnly(2026, 2, 1), new DateOnly(2026, 3, 31));

        Assert.True(period.IsCurrentMonth);
        Assert.Equal((new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28)), (period.PreviousFrom, period.PreviousTo));
        Assert.False(closed.IsCurrentMonth);
        Assert.Equal((new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28), new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31)), (closed.From, closed.To, closed.PreviousFrom, closed.PreviousTo));
    }

    [Fact]
    public void ChooseMonth_WhenTheCurrentMonthHasNoImport_OpensTheNewestImportedMonth()
    {
        var today = new DateOnly(2026, 3, 10);

        Assert.Equal(new DateOnly(2026, 2, 1), DashboardPeriod.ChooseMonth(null, ["2026-01", "2026-02"], today));
        Assert.Equal(new DateOnly(2026, 3, 1), DashboardPeriod.ChooseMonth(null, ["2026-02", "2026-03"], today));
        Assert.Equal(new DateOnly(2026, 3, 1), DashboardPeriod.ChooseMonth(null, [], today));
        Assert.Equal(new DateOnly(2025, 12, 1), DashboardPeriod.ChooseMonth("2025-12", ["2026-02"], today));
    }
}

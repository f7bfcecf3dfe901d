using DigiUsher.Cur.Reading;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser.Tests;

/// <summary>The streaming rollup's memory bound: groups handed out as partial sums, never dropped or summed twice.</summary>
public class DailyRollupTests
{
    [Fact]
    public void Add_WhenANewGroupArrivesAtTheCapacity_HandsOutTheGroupsHeldAndStartsAfresh()
    {
        var rollup = new DailyRollup(capacity: 2);
        var spill = rollup.Add([Item("i-1", 1.5m), Item("i-2", 2m), Item("i-1", 0.25m), Item("i-3", 4m)], 4);

        Assert.NotNull(spill);
        Assert.Equal([("i-1", 1.75m, 2L), ("i-2", 2m, 1L)], spill.Select(l => (l.ResourceId, l.Unblended, l.LineItems)).OrderBy(l => l.ResourceId));
        Assert.True(rollup.Spilled);
        Assert.Equal([("i-3", 4m, 1L)], rollup.Lines().Select(l => (l.ResourceId, l.Unblended, l.LineItems)));
    }

    [Fact]
    public void Add_WhenEveryRowFallsInAGroupHeld_HandsOutNothing()
    {
        var rollup = new DailyRollup(capacity: 2);

        Assert.Null(rollup.Add([Item("i-1", 1m), Item("i-2", 2m), Item("i-2", 3m), Item("i-1", 4m)], 4));
        Assert.False(rollup.Spilled);
        Assert.Equal(10m, rollup.Lines().Sum(l => l.Unblended));
    }

    [Fact]
    public void Add_WhenOnlyPartOfTheBatchCounts_IgnoresTheItemsPastTheCount()
    {
        var rollup = new DailyRollup(capacity: 10);

        rollup.Add([Item("i-1", 1m), Item("i-2", 2m)], 1);

        Assert.Equal([("i-1", 1m, 1L)], rollup.Lines().Select(l => (l.ResourceId, l.Unblended, l.LineItems)));
    }

    private static CurLineItem Item(string resourceId, decimal unblended) => new()
    {
        UsageAccountId = "123456789012",
        ProductCode = "AmazonEC2",
        ServiceName = "Amazon Elastic Compute Cloud",
        Region = "us-east-1",
        UsageType = "BoxUsage:m5.large",
        LineItemType = "Usage",
        ResourceId = resourceId,
        UsageStart = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc),
        Unblended = unblended,
    };
}

using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;

namespace DigiUsher.DataSource.Tests;

public class DataSourceStatusTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void From_WhenAPeriodHasSeveralDeliveries_IsCurrentTheNewestImportedAndShowsProgressOfTheStartedOnly()
    {
        ImportStatusRow[] imports =
        [
            Row("d1", "imported", At),
            Row("d2", "imported", At.AddHours(1)),
            Row("d3", "failed", At.AddHours(2)),
            Row("d4", "started", At.AddHours(3)),
        ];

        var status = DataSourceStatus.From(new DataSourceRow { Id = Guid.NewGuid() }, null, imports, null, showReplica: false);

        var period = Assert.Single(status.Imports);
        Assert.Equal("d2", period.CurrentDeliveryId);
        Assert.Equal(
            [("d4", ImportState.Started, true), ("d3", ImportState.Failed, false), ("d2", ImportState.Imported, false), ("d1", ImportState.Imported, false)],
            period.Deliveries.Select(d => (d.DeliveryId, d.State, d.Progress is not null)));
    }

    [Fact]
    public void From_WhenTheColumnHoldsAnUnknownState_FailsNamingIt()
    {
        var error = Assert.Throws<FormatException>(() =>
            DataSourceStatus.From(new DataSourceRow { Id = Guid.NewGuid() }, null, [Row("d1", "loading", At)], null, showReplica: false));

        Assert.Contains("'loading' is not a ImportState", error.Message, StringComparison.Ordinal);
    }

    private static ImportStatusRow Row(string deliveryId, string state, DateTimeOffset updatedAt) => new()
    {
        BillingPeriod = "2026-01",
        DeliveryId = deliveryId,
        State = state,
        UpdatedAt = updatedAt,
        ProgressAt = state == "started" ? updatedAt : null,
        Files = 2,
        FilesDone = 1,
    };
}

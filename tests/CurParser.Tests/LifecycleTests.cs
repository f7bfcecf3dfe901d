using DigiUsher.CurParser.Lifecycle;
using DigiUsher.Testing;
using static DigiUsher.CurParser.Lifecycle.DeliveryEvent;
using static DigiUsher.CurParser.Lifecycle.DeliveryStatus;

namespace DigiUsher.CurParser.Tests;

public class LifecycleTests
{
    private static readonly DateTimeOffset Now = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<DeliveryStatus, DeliveryEvent, DeliveryStatus> DeliveryMoves => new()
    {
        { Pending, Lease, Pending },
        { Pending, Retry, Pending },
        { Pending, Fail, Failed },
        { Pending, Supersede, Superseded },
        { Pending, Complete, Imported },
        { Imported, Reopen, Pending },
        { Failed, Reopen, Pending },
    };

    public static TheoryData<ImportStatus, ImportEvent, ImportStatus> ImportMoves => new()
    {
        { ImportStatus.Loading, ImportEvent.MakeCurrent, ImportStatus.Current },
        { ImportStatus.Current, ImportEvent.Replace, ImportStatus.Replaced },
        { ImportStatus.Loading, ImportEvent.Supersede, ImportStatus.Superseded },
        { ImportStatus.Loading, ImportEvent.Fail, ImportStatus.Failed },
        { ImportStatus.Loading, ImportEvent.Abandon, ImportStatus.Failed },
        { ImportStatus.Loading, ImportEvent.Cancel, ImportStatus.Cancelled },
    };

    public static TheoryData<DeliveryStatus, DeliveryEvent> RefusedDeliveryMoves => Refused(DeliveryMoves, DeliveryLifecycle.Machine.Next);

    public static TheoryData<ImportStatus, ImportEvent> RefusedImportMoves => Refused(ImportMoves, ImportLifecycle.Machine.Next);

    [Theory]
    [MemberData(nameof(DeliveryMoves))]
    public void Delivery_WhenTheEventIsLegal_MovesToItsState(DeliveryStatus from, DeliveryEvent on, DeliveryStatus to) =>
        Assert.Equal(to, DeliveryLifecycle.Machine.Next(from, on));

    [Theory]
    [MemberData(nameof(RefusedDeliveryMoves))]
    public void Delivery_WhenTheEventIsNotLegal_IsRefused(DeliveryStatus from, DeliveryEvent on) =>
        Assert.Null(DeliveryLifecycle.Machine.Next(from, on));

    [Theory]
    [MemberData(nameof(ImportMoves))]
    public void Import_WhenTheEventIsLegal_MovesToItsState(ImportStatus from, ImportEvent on, ImportStatus to) =>
        Assert.Equal(to, ImportLifecycle.Machine.Next(from, on));

    [Theory]
    [MemberData(nameof(RefusedImportMoves))]
    public void Import_WhenTheEventIsNotLegal_IsRefused(ImportStatus from, ImportEvent on) =>
        Assert.Null(ImportLifecycle.Machine.Next(from, on));

    [Fact]
    public void Lifecycles_WhenStarted_BeginPendingAndLoading()
    {
        Assert.Equal(Pending, DeliveryLifecycle.Announced);
        Assert.Equal(ImportStatus.Loading, ImportLifecycle.Started);
    }

    [Fact]
    public void Lease_WhenFreeExpiredOrOwn_CanBeTakenElseNot()
    {
        Assert.True(DeliveryLease.CanTake(null, "a", Now));
        Assert.True(DeliveryLease.CanTake(new DeliveryLease("b", Now.AddSeconds(-1)), "a", Now));
        Assert.True(DeliveryLease.CanTake(new DeliveryLease("a", Now.AddMinutes(5)), "a", Now));
        Assert.False(DeliveryLease.CanTake(new DeliveryLease("b", Now.AddMinutes(5)), "a", Now));
    }

    [Fact]
    public void Lease_WhenAnAttemptEnds_ItMayRecordOnlyIfItHoldsTheLeaseOrNobodyDoes()
    {
        Assert.True(DeliveryLease.IsFreeOrHeldBy(null, "a"));
        Assert.True(DeliveryLease.IsFreeOrHeldBy(new DeliveryLease("a", Now), "a"));
        Assert.False(DeliveryLease.IsFreeOrHeldBy(new DeliveryLease("b", Now.AddMinutes(5)), "a"));
    }

    [Fact]
    public async Task StatusColumns_WhenMigrated_AllowExactlyTheLifecycleStates()
    {
        await using var database = await StatusConstraints.MigrateAsync("CurParser", typeof(Program).Assembly);

        await database.AssertMirrorsAsync<DeliveryStatus>("deliveries", "status");
        await database.AssertMirrorsAsync<ImportStatus>("imports", "status");
    }

    private static TheoryData<TState, TEvent> Refused<TState, TEvent>(TheoryData<TState, TEvent, TState> legal, Func<TState, TEvent, TState?> next)
        where TState : struct, Enum
        where TEvent : struct, Enum
    {
        var refused = new TheoryData<TState, TEvent>();
        foreach (var from in Enum.GetValues<TState>())
        {
            foreach (var on in Enum.GetValues<TEvent>().Where(on => !legal.Any(row => Equals(row[0], from) && Equals(row[1], on))))
            {
                refused.Add(from, on);
            }
        }

        return refused;
    }

    [Fact]
    public void Readme_WhenRead_ListsEveryDeliveryTransition() => LifecycleDocument.AssertDocuments("CurParser deliveries", DeliveryLifecycle.Machine);

    [Fact]
    public void Readme_WhenRead_ListsEveryImportTransition() => LifecycleDocument.AssertDocuments("CurParser imports", ImportLifecycle.Machine);
}

using DigiUsher.CurPoller.Lifecycle;
using DigiUsher.Testing;
using static DigiUsher.CurPoller.Lifecycle.DeliveryEvent;
using static DigiUsher.CurPoller.Lifecycle.DeliveryStatus;

namespace DigiUsher.CurPoller.Tests;

public class LifecycleTests
{
    private static readonly DateTime Now = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly RetryPolicy Policy = new(TimeSpan.FromMinutes(15), TimeSpan.FromHours(6), MaxAttempts: 3, UnansweredAfter: TimeSpan.FromHours(6));

    public static TheoryData<DeliveryStatus, DeliveryEvent, DeliveryStatus> Moves()
    {
        var moves = new TheoryData<DeliveryStatus, DeliveryEvent, DeliveryStatus>
        {
            { FailedTransient, Retry, Published },
            { Published, Reannounce, Published },
        };
        foreach (var from in Enum.GetValues<DeliveryStatus>())
        {
            moves.Add(from, Import, Imported);
            if (from != Imported)
            {
                moves.Add(from, FailTransiently, FailedTransient);
                moves.Add(from, FailPermanently, FailedPermanent);
                moves.Add(from, GiveUp, Abandoned);
            }
        }

        return moves;
    }

    public static TheoryData<DeliveryStatus, DeliveryEvent> RefusedMoves()
    {
        var legal = Moves().Select(row => ((DeliveryStatus)row[0], (DeliveryEvent)row[1])).ToHashSet();
        var refused = new TheoryData<DeliveryStatus, DeliveryEvent>();
        foreach (var from in Enum.GetValues<DeliveryStatus>())
        {
            foreach (var on in Enum.GetValues<DeliveryEvent>().Where(on => !legal.Contains((from, on))))
            {
                refused.Add(from, on);
            }
        }

        return refused;
    }

    [Theory]
    [MemberData(nameof(Moves))]
    public void Machine_WhenTheEventIsLegal_MovesToItsState(DeliveryStatus from, DeliveryEvent on, DeliveryStatus to) =>
        Assert.Equal(to, DeliveryLifecycle.Machine.Next(from, on));

    [Theory]
    [MemberData(nameof(RefusedMoves))]
    public void Machine_WhenTheEventIsNotLegal_IsRefused(DeliveryStatus from, DeliveryEvent on) =>
        Assert.Null(DeliveryLifecycle.Machine.Next(from, on));

    [Fact]
    public void Announced_WhenFirstFound_IsPublishedOnce() =>
        Assert.Equal(new DeliveryState(Published, 1, null, Now), DeliveryLifecycle.Announced(Now));

    [Fact]
    public void Rejected_WhenFirstFound_IsFailedPermanentlyWithoutAnyAnnouncement() =>
        Assert.Equal(new DeliveryState(FailedPermanent, 0, null, Now, "no manifest"), DeliveryLifecycle.Rejected(Now, "no manifest"));

    [Fact]
    public void DueAnnouncement_WhenATransientFailureIsPastItsBackoff_IsARetry()
    {
        var failed = new DeliveryState(FailedTransient, 2, Now.AddMinutes(-1), Now.AddHours(-1));

        Assert.Equal(Retry, DeliveryLifecycle.DueAnnouncement(failed, Policy, Now));
        Assert.Null(DeliveryLifecycle.DueAnnouncement(failed with { NextRetryAt = Now.AddMinutes(1) }, Policy, Now));
    }

    [Fact]
    public void DueAnnouncement_WhenUnansweredLongEnoughWithAttemptsLeft_IsAReannouncement()
    {
        var unanswered = new DeliveryState(Published, 2, null, Now - Policy.UnansweredAfter);

        Assert.Equal(Reannounce, DeliveryLifecycle.DueAnnouncement(unanswered, Policy, Now));
        Assert.Null(DeliveryLifecycle.DueAnnouncement(unanswered with { LastPublishedAt = Now.AddHours(-1) }, Policy, Now));
        Assert.Null(DeliveryLifecycle.DueAnnouncement(unanswered with { Attempts = Policy.MaxAttempts }, Policy, Now));
    }

    [Theory]
    [InlineData(Imported)]
    [InlineData(FailedPermanent)]
    [InlineData(Abandoned)]
    public void DueAnnouncement_WhenAnsweredForGood_IsNever(DeliveryStatus status) =>
        Assert.Null(DeliveryLifecycle.DueAnnouncement(new DeliveryState(status, 1, Now.AddDays(-1), Now.AddDays(-1)), Policy, Now));

    [Fact]
    public void OnAnnouncedAgain_WhenDue_CountsTheAttemptAndClearsTheRetry()
    {
        var failed = new DeliveryState(FailedTransient, 2, Now.AddMinutes(-1), Now.AddHours(-1), "reset");

        Assert.Equal(new DeliveryState(Published, 3, null, Now, "reset"), DeliveryLifecycle.OnAnnouncedAgain(failed, Retry, Now));
        Assert.Null(DeliveryLifecycle.OnAnnouncedAgain(failed, Reannounce, Now));
        Assert.Null(DeliveryLifecycle.OnAnnouncedAgain(failed, Import, Now));
    }

    [Fact]
    public void OnImported_WhenAnswered_ForgetsTheFailureAndTheRetry() =>
        Assert.Equal(
            new DeliveryState(Imported, 2, null, Now, null),
            DeliveryLifecycle.OnImported(new DeliveryState(FailedTransient, 2, Now.AddMinutes(5), Now, "reset")));

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 30)]
    public void OnFailed_WhenTransientWithAttemptsLeft_SchedulesARetryAfterTheDoublingBackoff(int attempts, int minutes) =>
        Assert.Equal(
            new DeliveryState(FailedTransient, attempts, Now.AddMinutes(minutes), Now, "reset"),
            DeliveryLifecycle.OnFailed(new DeliveryState(Published, attempts, null, Now), transient: true, "reset", Policy, Now));

    [Fact]
    public void OnFailed_WhenTransientOnTheLastAttempt_GivesUp() =>
        Assert.Equal(
            new DeliveryState(Abandoned, 3, null, Now, "reset"),
            DeliveryLifecycle.OnFailed(new DeliveryState(Published, 3, null, Now), transient: true, "reset", Policy, Now));

    [Fact]
    public void OnFailed_WhenPermanent_ClosesTheDelivery() =>
        Assert.Equal(
            new DeliveryState(FailedPermanent, 1, null, Now, "bad row"),
            DeliveryLifecycle.OnFailed(new DeliveryState(Published, 1, null, Now), transient: false, "bad row", Policy, Now));

    [Fact]
    public void OnFailed_WhenAlreadyImported_IsRefused() =>
        Assert.Null(DeliveryLifecycle.OnFailed(new DeliveryState(Imported, 1, null, Now), transient: true, "late", Policy, Now));

    [Fact]
    public void BackoffAfter_WhenAttemptsGrow_DoublesUpToTheMaximum()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), Policy.BackoffAfter(0));
        Assert.Equal(TimeSpan.FromMinutes(60), Policy.BackoffAfter(3));
        Assert.Equal(TimeSpan.FromHours(6), Policy.BackoffAfter(30));
    }

    [Fact]
    public async Task StatusColumns_WhenMigrated_AllowExactlyTheLifecycleStates()
    {
        await using var database = await StatusConstraints.MigrateAsync("CurPoller", typeof(Program).Assembly);

        await database.AssertMirrorsAsync<DeliveryStatus>("deliveries", "status");
        await database.AssertMirrorsAsync<PollStatus>("data_sources", "last_poll_status");
    }

    [Fact]
    public void Readme_WhenRead_ListsEveryDeliveryTransition() => LifecycleDocument.AssertDocuments("CurPoller deliveries", DeliveryLifecycle.Machine);
}

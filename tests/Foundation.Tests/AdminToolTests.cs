using DigiUsher.Admin;

namespace DigiUsher.Foundation.Tests;

public class AdminToolTests
{
    [Theory]
    [InlineData("cur-parser-report-available_error", "cur-parser-report-available")]
    [InlineData("query-costs-imported_error", "query-costs-imported")]
    public void SourceOf_WhenAnErrorQueue_IsTheQueueItsMessagesCameFrom(string errorQueue, string source)
    {
        Assert.Equal(source, ErrorQueues.SourceOf(errorQueue));
        Assert.Equal(errorQueue, ErrorQueues.Named(source));
        Assert.Equal(errorQueue, ErrorQueues.Named(errorQueue));
    }

    [Theory]
    [InlineData("cur-parser-report-available")]
    [InlineData("_error")]
    [InlineData("")]
    public void SourceOf_WhenNotAnErrorQueue_RefusesWithTheReason(string queue)
    {
        var error = Assert.Throws<ArgumentException>(() => ErrorQueues.SourceOf(queue));
        Assert.Contains("only _error queues", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseServices_WhenNameEqualsUrlPairs_MapsEachServiceAndRefusesAMalformedOne()
    {
        var services = AdminSettings.ParseServices(AdminSettings.DefaultServices);

        Assert.Equal(new Uri("http://127.0.0.1:5103"), services["CurParser"]);
        Assert.Equal(5, services.Count);
        Assert.Contains("not Name=URL", Assert.Throws<ArgumentException>(() => AdminSettings.ParseServices("DataSource")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Collapse_WhenADeliveryWasAnnouncedAgain_IsOneProblemWithTheLatestFault()
    {
        var first = Faulted("m1", "ds:2024-01:a1", T0, "timeout");
        var again = Faulted("m2", "ds:2024-01:a1", T0.AddHours(1), "database down");
        var other = Faulted("m3", "ds:2024-01:b1", T0.AddMinutes(5), "timeout");

        var items = ErrorItems.Collapse([first, again, other], _ => false);

        Assert.Equal(2, items.Count);
        var announcedTwice = Assert.Single(items, i => i.Key == "ds:2024-01:a1");
        Assert.Equal((2, "m2", "database down"), (announcedTwice.Messages, announcedTwice.Latest.MessageId, announcedTwice.Latest.ExceptionMessage));
        Assert.Equal(1, Assert.Single(items, i => i.Key == "ds:2024-01:b1").Messages);
    }

    [Fact]
    public void Collapse_WhenAFactWasSettledSince_ListsItAfterTheOpenProblems()
    {
        var stale = Faulted("m1", "ds:2024-01:a1", T0.AddHours(2), "timeout");
        var open = Faulted("m2", "ds:2024-01:b1", T0, "timeout");

        var items = ErrorItems.Collapse([stale, open], m => m.IdempotencyKey == "ds:2024-01:a1");

        Assert.Equal([("ds:2024-01:b1", false), ("ds:2024-01:a1", true)], items.Select(i => (i.Key, i.Settled)));
    }

    [Fact]
    public void Collapse_WhenMessagesHaveNoIdempotencyKey_KeepsEachByItsMessageId()
    {
        var items = ErrorItems.Collapse([Faulted("m1", null, T0, "x"), Faulted("m2", null, T0, "x")], _ => false);

        Assert.Equal(["m1", "m2"], items.Select(i => i.Key).Order(StringComparer.Ordinal));
    }

    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 0, 0, TimeSpan.Zero);

    private static FaultedMessage Faulted(string messageId, string? key, DateTimeOffset at, string reason) =>
        new(messageId, "urn:message:digiusher:curpoller:report-available:v1", null, "System.TimeoutException", reason, at, key);
}

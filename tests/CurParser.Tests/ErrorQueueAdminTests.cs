using DigiUsher.Testing;
using MassTransit;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// <c>digiusher-admin errors</c> against a real CurParser: a delivery whose message sits in
/// <c>cur-parser-report-available_error</c> is listed with its type, replayed to its queue and imported;
/// purge empties an _error queue (a queue named without the suffix means its _error queue: the
/// tool never touches a live queue's messages).
/// </summary>
public class ErrorQueueAdminTests
{
    private const string Queue = "cur-parser-report-available";

    [Fact]
    public async Task ErrorsListReplay_WhenAMessageWaitsInTheErrorQueue_ListsItThenTheParserImportsIt()
    {
        await using var stack = await ParserProcess.StartAsync();
        var dataSourceId = Guid.NewGuid();
        var delivery = stack.WorkshopDelivery(dataSourceId);
        var messageId = NewId.NextGuid();
        var errorQueue = await stack.Peer.Bus.GetSendEndpoint(new Uri($"queue:{Queue}_error"));
        await errorQueue.Send(delivery, context => context.MessageId = messageId);
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 1, TimeSpan.FromSeconds(30), "the message in the _error queue");

        var queues = await RunAsync(stack, "errors", "list");
        var listed = await RunAsync(stack, "errors", "list", Queue);
        var stillThere = await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error");
        var replayed = await RunAsync(stack, "errors", "replay", $"{Queue}_error");
        await Eventually.True(() => Task.FromResult(stack.Imported(dataSourceId)), TimeSpan.FromSeconds(120), "ReportImported after the replay");
        // The management API counts a queue's messages as of its last statistics sample (every few seconds).
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 0, TimeSpan.FromSeconds(30), "the _error queue empty after the replay");
        var status = await RunAsync(stack, "status");

        Assert.Equal(1, queues.ExitCode);
        Assert.Matches($@"{Queue}_error\s+1\b", queues.Output);
        Assert.Contains(messageId.ToString(), listed.Output, StringComparison.Ordinal);
        Assert.Contains("urn:message:digiusher:curpoller:report-available:v1", listed.Output, StringComparison.Ordinal);
        Assert.Contains($"1 message(s) in {Queue}_error", listed.Output, StringComparison.Ordinal);
        Assert.Equal(1, stillThere);
        Assert.Equal((0, $"1 message(s) moved from {Queue}_error to {Queue}"), (replayed.ExitCode, replayed.Output.Trim()));
        Assert.Contains("_error queues: empty", status.Output, StringComparison.Ordinal);
        Assert.Contains(Queue, status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorsPurge_WhenGivenAQueueName_EmptiesItsErrorQueue()
    {
        await using var stack = await ParserProcess.StartAsync();
        var errorQueue = await stack.Peer.Bus.GetSendEndpoint(new Uri($"queue:{Queue}_error"));
        await errorQueue.Send(stack.WorkshopDelivery(Guid.NewGuid()));
        await errorQueue.Send(stack.WorkshopDelivery(Guid.NewGuid()));
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 2, TimeSpan.FromSeconds(30), "two messages in the _error queue");

        var purged = await RunAsync(stack, "errors", "purge", Queue);

        Assert.Equal((0, $"2 message(s) deleted from {Queue}_error"), (purged.ExitCode, purged.Output.Trim()));
        // The management API's counts lag the broker by its statistics interval (5 s).
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 0, TimeSpan.FromSeconds(30), "the _error queue to be empty");
    }

    [Fact]
    public async Task ErrorsList_WhenADeliveryWasAnnouncedAgainAfterItsFirstMessageEndedInError_ShowsOneProblemAndPurgeSettledDropsItOnceImported()
    {
        await using var stack = await ParserProcess.StartAsync();
        var (dataSourceId, otherDataSourceId) = (Guid.NewGuid(), Guid.NewGuid());
        var delivery = stack.WorkshopDelivery(dataSourceId);
        var errorQueue = await stack.Peer.Bus.GetSendEndpoint(new Uri($"queue:{Queue}_error"));
        // The first announcement and the poller's re-announcement: new message ids, one idempotency key.
        await errorQueue.Send(delivery);
        await errorQueue.Send(delivery);
        await errorQueue.Send(stack.WorkshopDelivery(otherDataSourceId));
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 3, TimeSpan.FromSeconds(30), "three messages in the _error queue");

        var before = await RunAsync(stack, "errors", "list", Queue);
        // A later announcement imports the delivery: the two in _error are stale.
        await stack.Peer.Bus.Publish(delivery);
        await Eventually.True(() => Task.FromResult(stack.Imported(dataSourceId)), TimeSpan.FromSeconds(120), "ReportImported of the announced-again delivery");
        var after = await RunAsync(stack, "errors", "list", Queue);
        var purged = await RunAsync(stack, "errors", "purge", Queue, "--settled");

        Assert.Equal(1, before.ExitCode);
        Assert.Contains($"3 message(s) in {Queue}_error: 2 problem(s), 0 settled", before.Output, StringComparison.Ordinal);
        Assert.Single(Lines(before.Output), l => l.Contains(delivery.IdempotencyKey, StringComparison.Ordinal) && l.Contains("(x2", StringComparison.Ordinal));
        Assert.Contains($"3 message(s) in {Queue}_error: 1 problem(s), 1 settled", after.Output, StringComparison.Ordinal);
        Assert.Single(Lines(after.Output), l => l.Contains(delivery.IdempotencyKey, StringComparison.Ordinal) && l.Contains("[settled since", StringComparison.Ordinal));
        Assert.Equal((0, $"2 settled message(s) deleted from {Queue}_error"), (purged.ExitCode, purged.Output.Trim()));
        await Eventually.True(async () => await stack.VirtualHost.MessagesInQueueAsync($"{Queue}_error") == 1, TimeSpan.FromSeconds(30), "only the unsettled message left");
        var left = await RunAsync(stack, "errors", "list", Queue);
        Assert.Contains(otherDataSourceId.ToString(), left.Output, StringComparison.Ordinal);
        Assert.Contains($"1 message(s) in {Queue}_error: 1 problem(s), 0 settled", left.Output, StringComparison.Ordinal);
    }

    private static string[] Lines(string output) => output.Split('\n');

    private static Task<(int ExitCode, string Output)> RunAsync(ParserProcess stack, params string[] arguments) =>
        AdminTool.RunAsync(stack.VirtualHost.Name, $"CurParser={stack.Parser.BaseAddress}", stack.DatabaseConnectionString, arguments);
}

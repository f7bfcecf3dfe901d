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
}

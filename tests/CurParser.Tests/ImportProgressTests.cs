using DigiUsher.Contracts;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser.Tests;

public class ImportProgressTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Estimate_WhenAQuarterOfTheBytesIsReadInTenSeconds_ExpectsTheEndThirtySecondsLater()
    {
        var (rowsPerSecond, expectedEnd) = ImportProgress.Estimate(Start, Start.AddSeconds(10), rows: 25_000, bytesRead: 250, totalBytes: 1000);

        Assert.Equal(2500, rowsPerSecond);
        Assert.Equal(Start.AddSeconds(40), expectedEnd);
    }

    [Fact]
    public void Estimate_BeforeTheFirstByte_HasNoExpectedEnd()
    {
        var (rowsPerSecond, expectedEnd) = ImportProgress.Estimate(Start, Start.AddSeconds(3), rows: 0, bytesRead: 0, totalBytes: 1000);

        Assert.Equal(0, rowsPerSecond);
        Assert.Null(expectedEnd);
    }

    [Fact]
    public void Estimate_WhenMoreBytesAreReadThanListed_ExpectsTheEndNow()
    {
        var now = Start.AddSeconds(8);

        Assert.Equal(now, ImportProgress.Estimate(Start, now, rows: 10, bytesRead: 1200, totalBytes: 1000).ExpectedEndAt);
    }

    [Fact]
    public void Snapshot_WhenTwoOfFourFilesAreRead_CountsTwoFilesDone()
    {
        var counters = new ImportCounters();
        counters.FileRead();
        counters.FileRead();

        counters.RowsCopied(600);
        counters.BytesRead(50);
        var files = Enumerable.Range(1, 4).Select(i => new ReportFile($"k{i}", 25, $"e{i}")).ToList();
        var announced = new ReportAvailable(Guid.NewGuid(), Guid.NewGuid(), "key", "2026-11", "r", ReportFormat.CsvGzip, "d1", "b", "us-east-1", null, files, Start);

        var snapshot = ImportProgress.Snapshot(announced, Guid.NewGuid(), Start, counters, "parser-0:1:abc", Start.AddSeconds(6));

        Assert.Equal((2, 4, 600L, 100.0), (snapshot.FilesDone, snapshot.Files, snapshot.Rows, snapshot.RowsPerSecond));
        Assert.Equal(Start.AddSeconds(12), snapshot.ExpectedEndAt);
        Assert.Equal("parser-0:1:abc", snapshot.Replica);
        Assert.Equal(announced.IdempotencyKey, snapshot.IdempotencyKey);
    }
}

using System.Buffers;
using DigiUsher.Contracts;

namespace DigiUsher.Cur.Tests;

/// <summary>
/// Parquet imports share one process (a CurParser replica runs several at once) and its array pools.
/// Parquet.Net 6.1.0's nullable column read took leftovers in a pooled buffer for null markers; these
/// tests make the leftovers hostile and the reads concurrent, and the values must not change.
/// </summary>
public class ParquetConcurrencyTests
{
    private static readonly string[] Files =
    [
        "Oct2018-WorkshopCUR-00001.snappy.parquet",
        "Nov2018-WorkshopCUR-00001.snappy.parquet",
        "Dec2018-WorkshopCUR-00001.snappy.parquet",
    ];

    [Fact]
    public async Task ReadParquet_WhenSharedIntPoolHoldsNegativeLeftovers_ValuesAreUnchanged()
    {
        var expected = await DigestAsync(Files[2]);

        PoisonSharedIntPool();
        var actual = await DigestAsync(Files[2]);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task ReadParquet_WhenSeveralFilesAreReadConcurrently_EachReadEqualsTheSequentialRead()
    {
        var expected = new Dictionary<string, string>();
        foreach (var file in Files)
        {
            expected[file] = await DigestAsync(file);
        }

        var reads = Enumerable.Range(0, 6).Select(i => Files[i % Files.Length]).ToArray();
        var actual = await Task.WhenAll(reads.Select(file => Task.Run(async () =>
        {
            PoisonSharedIntPool();
            return (File: file, Digest: await DigestAsync(file));
        })));

        Assert.All(actual, read => Assert.Equal(expected[read.File], read.Digest));
    }

    /// <summary>Every value the normalizer produced, reduced to sums and counts that change if any row does.</summary>
    private static async Task<string> DigestAsync(string file)
    {
        await using var stream = File.OpenRead(SampleFiles.Path($"cur-legacy-parquet-wa-workshop/{file}"));
        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.Parquet, stream, file);
        await reader.DisposeAsync();
        return string.Join(
            ' ',
            items.Count,
            items.Sum(i => i.Unblended),
            items.Sum(i => i.Amortized),
            items.Sum(i => i.Blended),
            items.Sum(i => i.UsageAmount),
            items.Sum(i => i.UsageStart.Ticks % 1_000_003),
            items.Count(i => i.ResourceId.Length > 0),
            items.Sum(i => i.LineItemType.Length + i.ProductCode.Length + i.UsageType.Length + i.Region.Length + i.TagsJson.Length));
    }

    /// <summary>Returns int arrays of every size a row group's levels may rent, filled with -1, to the shared pool.</summary>
    private static void PoisonSharedIntPool()
    {
        for (var size = 1 << 10; size <= 1 << 20; size <<= 1)
        {
            var arrays = Enumerable.Range(0, 16).Select(_ => ArrayPool<int>.Shared.Rent(size)).ToArray();
            foreach (var array in arrays)
            {
                array.AsSpan().Fill(-1);
                ArrayPool<int>.Shared.Return(array);
            }
        }
    }
}

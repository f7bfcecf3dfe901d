using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.ServiceDefaults.Quotas;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// The organization's quotas on one delivery: its bytes as S3 listed them (checked before anything is
/// downloaded, and each file cut off while streaming past the size it was listed with) and its line
/// items (counted while loading). A delivery over a quota fails as a bad file, naming the quota; the
/// parser goes on with the next delivery.
/// </summary>
public sealed class DeliveryQuota(TenantQuotas quotas, IReadOnlyList<ReportFile> files)
{
    private readonly Dictionary<string, long> _listedSizes = files.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
    private long _rows;

    /// <summary>Before any download: the files' listed sizes against <see cref="TenantQuotas.DeliveryBytes"/>.</summary>
    public void CheckListedSizes()
    {
        var total = files.Sum(f => f.Size);
        if (total > quotas.DeliveryBytes)
        {
            throw new CurFormatException(
                $"the delivery's {files.Count} report file(s) are {total:N0} bytes as S3 lists them, over the organization's quota of {quotas.DeliveryBytes:N0} bytes per delivery ({quotas.SourceOf(nameof(TenantQuotas.DeliveryBytes))}); nothing was downloaded");
        }
    }

    /// <summary>The size S3 listed <paramref name="key"/> with: no more of it is read.</summary>
    public long ListedSize(string key) =>
        _listedSizes.TryGetValue(key, out var size) ? size : throw new CurFormatException("the file is not one the delivery lists", key);

    /// <summary>Counts loaded line items against <see cref="TenantQuotas.DeliveryRows"/> (from several files at once).</summary>
    public void RowsCopied(long rows)
    {
        if (Interlocked.Add(ref _rows, rows) > quotas.DeliveryRows)
        {
            throw new CurFormatException(
                $"the delivery passed {quotas.DeliveryRows:N0} line items, the organization's quota of rows per delivery ({quotas.SourceOf(nameof(TenantQuotas.DeliveryRows))}); the import was stopped and nothing of it was kept");
        }
    }
}

/// <summary>A file's bytes cut off past the size its listing declared (a stream that sends more than it said).</summary>
public sealed class ListedSizeStream(Stream inner, long listedSize, string file) : ReadOnlyStream
{
    private long _read;

    public override long Length => listedSize;

    public override int Read(Span<byte> buffer) => Checked(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Checked(await inner.ReadAsync(buffer, cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Checked(int read)
    {
        _read += read;
        return _read > listedSize
            ? throw new CurFormatException($"the file sent more than the {listedSize:N0} bytes S3 listed it with; cut off there", file)
            : read;
    }
}

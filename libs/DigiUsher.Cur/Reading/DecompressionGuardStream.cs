namespace DigiUsher.Cur.Reading;

/// <summary>
/// Counts the compressed bytes read from the source and the decompressed bytes handed out, and stops
/// a file whose ratio is beyond any real CUR (a decompression bomb) before it fills memory or disk.
/// </summary>
public sealed class DecompressionGuardStream : ReadOnlyStream
{
    private readonly Stream _decompressed;
    private readonly CountingStream _compressed;
    private readonly CurReaderOptions _options;
    private readonly bool _verifyGzipTrailer;
    private long _produced;
    private bool _ended;

    private DecompressionGuardStream(Stream decompressed, CountingStream compressed, CurReaderOptions options, bool verifyGzipTrailer = false)
    {
        _decompressed = decompressed;
        _compressed = compressed;
        _options = options;
        _verifyGzipTrailer = verifyGzipTrailer;
    }

    /// <summary>
    /// A gzip file, guarded, whose end is checked: .NET's GZipStream ends quietly when the input is
    /// cut short, so a truncated upload would import as a smaller month. Every gzip member ends with
    /// ISIZE, the uncompressed size mod 2^32 (RFC 1952 §2.3.1); a cut file ends on deflate data instead.
    /// </summary>
    public static Stream CreateGzip(Stream compressed, CurReaderOptions options)
    {
        var counting = new CountingStream(compressed);
        return new DecompressionGuardStream(new System.IO.Compression.GZipStream(counting, System.IO.Compression.CompressionMode.Decompress), counting, options, verifyGzipTrailer: true);
    }

    /// <summary>Wraps <paramref name="compressed"/> with <paramref name="decompress"/> (e.g. a GZipStream) and the guard.</summary>
    public static Stream Create(Stream compressed, Func<Stream, Stream> decompress, CurReaderOptions options)
    {
        var counting = new CountingStream(compressed);
        return new DecompressionGuardStream(decompress(counting), counting, options);
    }

    public override long Position { get => _produced; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var read = _decompressed.Read(buffer);
        Check(read, buffer.Length);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _decompressed.ReadAsync(buffer, cancellationToken);
        Check(read, buffer.Length);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decompressed.Dispose();
            _compressed.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Check(int read, int requested)
    {
        if (read == 0 && requested > 0 && _verifyGzipTrailer && !_ended)
        {
            _ended = true;
            if (_compressed.DrainToEnd() > 0 || _compressed.LastFour is not { } trailer || trailer != unchecked((uint)_produced))
            {
                throw new CurFormatException(
                    $"the gzip file is truncated or corrupt: it ends after {_produced} decompressed bytes without a valid gzip trailer");
            }
        }

        _produced += read;
        if (_produced > _options.CompressionRatioGraceBytes && _produced > _options.MaxCompressionRatio * Math.Max(1, _compressed.BytesRead))
        {
            throw new CurFormatException(
                $"decompresses more than {_options.MaxCompressionRatio:0}x ({_produced} bytes from {_compressed.BytesRead}); refused as a possible decompression bomb");
        }
    }

    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        private uint _tail;
        private int _tailBytes;

        public long BytesRead { get; private set; }

        /// <summary>The last four bytes read, little-endian (a gzip member's ISIZE at its end).</summary>
        public uint? LastFour => _tailBytes >= 4 ? _tail : null;

        /// <summary>Reads what is left of the source; returns how many bytes that was.</summary>
        public long DrainToEnd()
        {
            var buffer = new byte[4096];
            long drained = 0;
            int read;
            while ((read = Read(buffer)) > 0)
            {
                drained += read;
            }

            return drained;
        }

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Track(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Track(buffer.Span[..read]);
            return read;
        }

        private void Track(ReadOnlySpan<byte> bytes)
        {
            BytesRead += bytes.Length;
            foreach (var b in bytes.Length > 4 ? bytes[^4..] : bytes)
            {
                _tail = (_tail >> 8) | ((uint)b << 24);
            }

            _tailBytes = Math.Min(4, _tailBytes + bytes.Length);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.IO.Compression;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;

namespace DigiUsher.CurParser.Importing;

/// <summary>Gives the bytes of one report file (S3 in the service, the local disk in the benchmark).</summary>
public interface IReportFileSource
{
    Task<Stream> OpenAsync(string key, CancellationToken cancellationToken);
}

/// <summary>
/// Opens a data file of a delivery as the reader needs it: CSV gzip streamed and decompressed on the
/// fly behind the decompression guard; Parquet and zip (both need random access to their footer or
/// central directory) copied to a temporary file that is deleted when the stream is disposed.
/// </summary>
public sealed class ReportFileOpener(IReportFileSource source, CurReaderOptions options, string? tempDirectory)
{
    public async Task<Stream> OpenAsync(ReportFormat format, string key, CancellationToken cancellationToken)
    {
        switch (format)
        {
            case ReportFormat.Parquet or ReportFormat.Cur2Parquet:
                return await CopyToTempAsync(key, cancellationToken);
            case ReportFormat.CsvZip:
                return await OpenZipAsync(key, cancellationToken);
            default:
                var raw = await source.OpenAsync(key, cancellationToken);
                return key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
                    ? raw
                    : DecompressionGuardStream.CreateGzip(raw, options);
        }
    }

    private async Task<Stream> OpenZipAsync(string key, CancellationToken cancellationToken)
    {
        var file = await CopyToTempAsync(key, cancellationToken);
        try
        {
            var archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: false);
            var entry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                ?? throw new CurFormatException("the zip archive holds no .csv file", key);
            if (entry.Length > options.CompressionRatioGraceBytes && entry.Length > options.MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
            {
                throw new CurFormatException($"the zip entry decompresses more than {options.MaxCompressionRatio:0}x; refused as a possible decompression bomb", key);
            }

            return new ZipEntryStream(archive, entry.Open());
        }
        catch (InvalidDataException ex)
        {
            await file.DisposeAsync();
            throw new CurFormatException($"not a readable zip archive ({ex.Message})", key, null, ex);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private async Task<FileStream> CopyToTempAsync(string key, CancellationToken cancellationToken)
    {
        var directory = string.IsNullOrEmpty(tempDirectory) ? Path.GetTempPath() : tempDirectory;
        var path = Path.Combine(directory, $"curparser-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (var content = await source.OpenAsync(key, cancellationToken))
            {
                await content.CopyToAsync(file, 1 << 16, cancellationToken);
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            File.Delete(path);
            throw;
        }
    }

    private sealed class ZipEntryStream(ZipArchive archive, Stream entry) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => entry.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => entry.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                entry.Dispose();
                archive.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

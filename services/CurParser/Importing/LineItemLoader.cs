using System.Threading.Channels;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using Npgsql;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// What a load read and wrote; <paramref name="Rollup"/> is its daily rollup summed while streaming
/// (null when it outgrew its bound: the import then rolls up in SQL).
/// </summary>
public sealed record LoadResult(long Rows, IReadOnlyList<CurrencyTotals> Totals, bool IsFinal, IReadOnlyList<string> Warnings, DailyRollup? Rollup = null);

/// <summary>
/// Streams every file of a delivery through its reader and binary-COPYs the rows into the import's
/// partition. Per file, parsing and COPY overlap (two tasks, a bounded channel of reused batches), so
/// the import runs at the speed Postgres takes rows; up to <c>parallelFiles</c> files load at once,
/// each on its own connection. Totals and the daily rollup are summed while streaming, and each COPY's
/// row count, as the server reports it, must equal the rows read.
/// </summary>
public sealed class LineItemLoader(
    NpgsqlDataSource dataSource, string schema, CurReaderOptions readerOptions, int batchSize, int parallelFiles = 1, int rollupCapacity = LineItemLoader.DefaultRollupCapacity)
{
    /// <summary>
    /// Rollup groups kept in memory (a few hundred bytes each) before they are written as partial sums:
    /// a month of a few thousand resources fits (about 40,000 groups per million rows in the benchmark).
    /// </summary>
    public const int DefaultRollupCapacity = 100_000;

    private const int BatchesInFlight = 4;

    /// <summary>
    /// Reads <paramref name="keys"/> and loads them into the partition of <paramref name="importId"/>;
    /// <paramref name="rowsCopied"/> hears of each batch once COPY has taken it (from several files at once).
    /// </summary>
    public async Task<LoadResult> LoadAsync(Guid importId, ReportFormat format, IReadOnlyList<string> keys, ReportFileOpener opener, CancellationToken cancellationToken,
        Action<long>? rowsCopied = null)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rollup = new DailyRollup(rollupCapacity);
        var files = new FileLoad?[keys.Count];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Clamp(parallelFiles, 1, Math.Max(1, keys.Count))).Select(_ => Task.Run(async () =>
        {
            try
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < keys.Count)
                {
                    files[index] = await LoadFileAsync(importId, format, index, keys[index], opener, rollup, rowsCopied, stop.Token);
                }
            }
            catch
            {
                // One file's failure ends the others' loads: the import fails as a whole.
                await stop.CancelAsync();
                throw;
            }
        }, stop.Token)).ToList();

        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            // The first real cause (a bad file, a broken COPY), not another worker's cancellation.
            var cause = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }

        var totals = new CurrencyTotalsAccumulator();
        foreach (var file in files)
        {
            foreach (var t in file!.Totals.ToList())
            {
                totals.Add(t.Currency, t.Unblended, t.NetUnblended, t.Blended, t.Amortized, t.PublicOnDemand, t.UsageAmount, t.Rows);
            }
        }

        return new LoadResult(files.Sum(f => f!.Rows), totals.ToList(), files.Any(f => f!.IsFinal), [.. files.SelectMany(f => f!.Warnings)],
            rollup);
    }

    /// <summary>One file: its reader fills batches that its own connection COPYs as they come.</summary>
    private async Task<FileLoad> LoadFileAsync(Guid importId, ReportFormat format, int index, string key, ReportFileOpener opener, DailyRollup rollup,
        Action<long>? rowsCopied, CancellationToken cancellationToken)
    {
        var filled = Channel.CreateBounded<Batch>(new BoundedChannelOptions(BatchesInFlight) { SingleReader = true, SingleWriter = true });
        var empty = Channel.CreateUnbounded<Batch>();
        for (var i = 0; i < BatchesInFlight + 2; i++)
        {
            empty.Writer.TryWrite(new Batch(batchSize));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var totals = new CurrencyTotalsAccumulator();
        var produce = Task.Run(async () =>
        {
            try
            {
                await using var content = await opener.OpenAsync(format, key, stop.Token);
                await using var reader = await CurReader.OpenAsync(format, content, key, readerOptions, stop.Token);
                while (true)
                {
                    var batch = await empty.Reader.ReadAsync(stop.Token);
                    batch.Count = await reader.ReadAsync(batch.Items, stop.Token);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch.Items[i].FileIndex = index + 1;
                        Add(totals, batch.Items[i]);
                    }

                    if (rollup.Add(batch.Items, batch.Count) is { } partial)
                    {
                        await WritePartialRollupAsync(importId, partial, stop.Token);
                    }

                    await filled.Writer.WriteAsync(batch, stop.Token);
                }

                filled.Writer.TryComplete();
                return (Warnings: reader.Warnings.Select(w => $"{key}: {w}").ToList(), reader.SawInvoiceId);
            }
            catch (Exception ex)
            {
                filled.Writer.TryComplete(ex);
                await stop.CancelAsync();
                throw;
            }
        }, stop.Token);

        var copy = Task.Run(async () =>
        {
            try
            {
                return await CopyAsync(importId, filled.Reader, empty.Writer, rowsCopied, stop.Token);
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, stop.Token);

        try
        {
            await Task.WhenAll(produce, copy);
        }
        catch when (produce.IsFaulted)
        {
            // The reader's error (a bad file) is the cause; the COPY only saw the cancellation.
            await produce;
            throw;
        }
        catch when (copy.IsFaulted && copy.Exception?.InnerException is not OperationCanceledException)
        {
            await copy;
            throw;
        }

        var copied = await copy;
        var (warnings, sawInvoiceId) = await produce;
        var read = totals.ToList().Sum(t => t.Rows);
        if (copied != read)
        {
            throw new ReconciliationException($"COPY wrote {copied} rows of {key}, the reader produced {read}.");
        }

        return new FileLoad(copied, totals, sawInvoiceId, warnings);
    }

    private sealed record FileLoad(long Rows, CurrencyTotalsAccumulator Totals, bool IsFinal, IReadOnlyList<string> Warnings);

    private static void Add(CurrencyTotalsAccumulator totals, CurLineItem item) => totals.Add(
        item.Currency, item.Unblended, item.NetUnblended, item.Blended, item.Amortized, item.PublicOnDemand, item.UsageAmount, rows: 1);

    /// <summary>The groups the rollup handed out at its bound, as partial sums in the partition (merged at the end).</summary>
    private async Task WritePartialRollupAsync(Guid importId, List<DailyRollupLine> partial, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await RollupCopy.WriteAsync(connection, schema, importId, partial, cancellationToken);
    }

    public static string PartitionOf(string schema, string table, Guid importId) => $"{schema}.{table}_{importId:N}";

    private async Task<long> CopyAsync(Guid importId, ChannelReader<Batch> filled, ChannelWriter<Batch> empty, Action<long>? rowsCopied, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var copy = await LineItemCopy.BeginAsync(connection, schema, importId, cancellationToken);
        await foreach (var batch in filled.ReadAllAsync(cancellationToken))
        {
            await copy.WriteAsync(batch.Items, batch.Count, cancellationToken);
            rowsCopied?.Invoke(batch.Count);
            empty.TryWrite(batch);
        }

        // The server's count of the rows it took, not ours of the rows we sent.
        return await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>A reusable block of rows.</summary>
    public sealed class Batch
    {
        public Batch(int size)
        {
            Items = new CurLineItem[size];
            for (var i = 0; i < size; i++)
            {
                Items[i] = new CurLineItem();
            }
        }

        public CurLineItem[] Items { get; }

        public int Count { get; set; }
    }
}

using Dapper;
using DigiUsher.Cur.Reading;
using Npgsql;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// One binary COPY of line items into an import's partition: rows encoded by <see cref="BinaryCopyBuffer"/> and
/// sent through Npgsql's raw COPY stream in blocks of about 64 KB, inside a transaction of its own so that the
/// server's count of the rows it took can be read before the commit (the raw stream does not return COPY's row
/// count): <c>pg_stat_get_xact_tuples_inserted</c> counts the inserts into the partition of this backend alone,
/// whatever other files load into it at the same time, read before and after the COPY because it also holds this
/// backend's earlier transactions until Postgres flushes its statistics, which it does only outside a transaction
/// (https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-STATS-FUNCTIONS). Disposed before
/// <see cref="CompleteAsync"/>, the COPY is cancelled and nothing it sent is kept.
/// </summary>
public sealed class LineItemCopy : IAsyncDisposable
{
    /// <summary>The partition's columns in the order <see cref="WriteRow"/> encodes them.</summary>
    public const string Columns =
        "import_id, file_index, row_number, usage_account_id, payer_account_id, line_item_type, product_code, service_name, usage_type, " +
        "operation, region, availability_zone, resource_id, usage_start, usage_end, usage_amount, pricing_unit, currency, unblended, " +
        "net_unblended, blended, amortized, public_on_demand, invoice_id, tags, cost_categories, usage_account_name, net_amortized";

    private static readonly short FieldCount = (short)Columns.Split(',').Length;
    private const int FlushBytes = 1 << 16;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly NpgsqlRawCopyStream _stream;
    private readonly string _partition;
    private readonly Guid _importId;
    private readonly long _insertedBefore;
    private readonly BinaryCopyBuffer _buffer = new(2 * FlushBytes);
    private long _rows;
    private bool _completed;

    private LineItemCopy(NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlRawCopyStream stream, string partition, Guid importId, long insertedBefore)
    {
        _insertedBefore = insertedBefore;
        _connection = connection;
        _transaction = transaction;
        _stream = stream;
        _partition = partition;
        _importId = importId;
        _buffer.WriteHeader();
    }

    /// <summary>Starts the COPY into <paramref name="importId"/>'s partition on <paramref name="connection"/> (open, no transaction).</summary>
    public static async Task<LineItemCopy> BeginAsync(NpgsqlConnection connection, string schema, Guid importId, CancellationToken cancellationToken)
    {
        var partition = LineItemLoader.PartitionOf(schema, "line_items", importId);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var insertedBefore = await InsertedAsync(connection, transaction, partition, cancellationToken);
            var stream = await connection.BeginRawBinaryCopyAsync($"copy {partition} ({Columns}) from stdin (format binary)", cancellationToken);
            return new LineItemCopy(connection, transaction, stream, partition, importId, insertedBefore);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>Encodes the first <paramref name="count"/> items, sending each 64 KB as it fills.</summary>
    public async ValueTask WriteAsync(CurLineItem[] items, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            WriteRow(_buffer, _importId, items[i]);
            if (_buffer.Length >= FlushBytes)
            {
                await FlushAsync(cancellationToken);
            }
        }

        _rows += count;
    }

    /// <summary>
    /// Ends the COPY and commits it once the server's count of the rows it took equals the rows written; returns that count.
    /// </summary>
    public async Task<long> CompleteAsync(CancellationToken cancellationToken)
    {
        _buffer.WriteTrailer();
        await FlushAsync(cancellationToken);
        _completed = true;
        await _stream.DisposeAsync();
        var insertedAfter = await InsertedAsync(_connection, _transaction, _partition, cancellationToken);
        var taken = insertedAfter - _insertedBefore;
        if (_insertedBefore < 0 || insertedAfter < 0)
        {
            // Statistics switched off by the operator: count the rows this transaction inserted (a scan of the partition).
            taken = await _connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"select count(*) from {_partition} where xmin = pg_current_xact_id()::xid", transaction: _transaction, cancellationToken: cancellationToken));
        }

        if (taken != _rows)
        {
            throw new ReconciliationException($"Postgres took {taken} rows of the {_rows} sent by COPY.");
        }

        await _transaction.CommitAsync(cancellationToken);
        return _rows;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _completed = true;
            try
            {
                await _stream.CancelAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection is already broken: nothing was committed, and the pool discards it.
            }

            await _stream.DisposeAsync();
        }

        await _transaction.DisposeAsync();
    }

    /// <summary>One row in the order of <see cref="Columns"/>.</summary>
    public static void WriteRow(BinaryCopyBuffer buffer, Guid importId, CurLineItem item)
    {
        buffer.StartRow(FieldCount);
        buffer.Uuid(importId);
        buffer.Int16((short)item.FileIndex);
        buffer.Int64(item.RowNumber);
        buffer.Text(item.UsageAccountId);
        buffer.Text(item.PayerAccountId);
        buffer.Text(item.LineItemType);
        buffer.Text(item.ProductCode);
        buffer.Text(item.ServiceName);
        buffer.Text(item.UsageType);
        buffer.Text(item.Operation);
        buffer.Text(item.Region);
        buffer.Text(item.AvailabilityZone);
        buffer.Text(item.ResourceId);
        buffer.TimestampTz(item.UsageStart);
        buffer.TimestampTz(item.UsageEnd);
        buffer.Numeric(item.UsageAmount);
        buffer.Text(item.PricingUnit);
        buffer.Text(item.Currency);
        buffer.Numeric(item.Unblended);
        buffer.Numeric(item.NetUnblended);
        buffer.Numeric(item.Blended);
        buffer.Numeric(item.Amortized);
        buffer.Numeric(item.PublicOnDemand);
        buffer.Text(item.InvoiceId);
        buffer.Jsonb(item.TagsJson);
        buffer.Jsonb(item.CostCategoriesJson);
        buffer.Text(item.UsageAccountName);
        buffer.Numeric(item.NetAmortized);
    }

    /// <summary>This backend's inserts into <paramref name="partition"/> not yet flushed to the statistics, or -1 when none are kept.</summary>
    private static Task<long> InsertedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string partition, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select case when current_setting('track_counts')::boolean then pg_stat_get_xact_tuples_inserted(@partition::regclass) else -1 end",
            new { partition }, transaction, cancellationToken: cancellationToken));

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_buffer.Written, cancellationToken);
        _buffer.Clear();
    }
}

using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace Connects.Silo;

/// <summary>
/// The ADO.NET data source that Orleans' grain storage gets when <see cref="StorageSettings.BatchWrites"/> is on
/// (<c>AdoNetGrainStorageOptions.DataSource</c>, beside the same invariant name as without it).
/// <para>
/// Orleans' ADO.NET storage (RelationalStorage in Microsoft.Orleans.Persistence.AdoNet 10.4.2) opens each operation's
/// connection with <see cref="DbDataSource.OpenConnectionAsync"/>, runs one command from it and closes it. The
/// connections opened here pass every command through to the real provider's (Npgsql, Microsoft.Data.Sqlite) on the same
/// connection string, so the same pool, except the execution of a statement marked batchable (the project's
/// WriteToStorageKey, see deploy/sql/*/..._batchable_state_write.sql), which goes to the <see cref="StateWriteBatcher"/>
/// and answers that statement's own result sets. Orleans builds the statement, its parameters and the payload, and
/// reads the answer, as with the plain provider: rows are the same, byte for byte.
/// </para>
/// <para>
/// <see cref="DbDataSource.CreateConnection"/> answers a plain provider connection: Orleans checks at start that this
/// data source's connections are of the invariant's connection type (NpgsqlConnection is sealed, so a batching one
/// cannot be), and only uses <see cref="DbDataSource.OpenConnectionAsync"/> to work. Were a later Orleans to run its
/// commands on CreateConnection's connections, writes would stop being batched, not go wrong; the batching tests
/// (fewer batches than writes) would tell.
/// </para>
/// </summary>
public sealed class BatchingDataSource(StorageSettings storage, StateWriteBatcher batcher) : DbDataSource
{
    /// <summary>The marker that opens a statement that may run in a batch (a comment: the plain provider ignores it).</summary>
    public const string Marker = "/* connects:batchable-write */";

    public override string ConnectionString => storage.EffectiveConnectionString;

    protected override DbConnection CreateDbConnection() => storage.CreateConnection();

    protected override DbConnection OpenDbConnection() => new BatchingConnection(storage.CreateConnection(), batcher);

    protected override ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OpenDbConnection());
    }

    /// <summary>Whether <paramref name="command"/> may go to the batcher: a text command marked batchable, outside any transaction.</summary>
    internal static bool Batchable(DbCommand command) =>
        command.CommandType == CommandType.Text
        && command.Transaction is null
        && command.CommandText.AsSpan().TrimStart().StartsWith(Marker, StringComparison.Ordinal);
}

/// <summary>
/// A connection as Orleans sees it: open from the start, while the provider's own connection opens (takes a pooled
/// connection) only when a command that is not batched runs: a batched write needs none of its own.
/// </summary>
internal sealed class BatchingConnection(DbConnection inner, StateWriteBatcher batcher) : DbConnection
{
    private bool _open = true;

    internal DbConnection Inner => inner;
    internal StateWriteBatcher Batcher => batcher;

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => Opened().ServerVersion;
    public override ConnectionState State => _open ? ConnectionState.Open : ConnectionState.Closed;

    public override void Open() => _open = true;

    public override Task OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _open = true;
        return Task.CompletedTask;
    }

    public override void Close()
    {
        _open = false;
        inner.Close();
    }

    public override void ChangeDatabase(string databaseName) => Opened().ChangeDatabase(databaseName);

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => Opened().BeginTransaction(isolationLevel);

    protected override DbCommand CreateDbCommand() => new BatchingCommand(this, inner.CreateCommand());

    internal DbConnection Opened()
    {
        if (!_open) throw new InvalidOperationException("The connection is closed.");
        if (inner.State != ConnectionState.Open) inner.Open();
        return inner;
    }

    internal async ValueTask<DbConnection> OpenedAsync(CancellationToken cancellationToken)
    {
        if (!_open) throw new InvalidOperationException("The connection is closed.");
        if (inner.State != ConnectionState.Open) await inner.OpenAsync(cancellationToken).ConfigureAwait(false);
        return inner;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        _open = false;
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _open = false;
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// A command of a <see cref="BatchingConnection"/>: the provider's own command, whose parameters Orleans creates and
/// fills, run by the provider, except a batchable statement's reader execution, which the batcher runs. Only reader
/// executions are batched (Orleans' storage runs every statement that way); a non-query or scalar execution of a
/// marked statement runs alone.
/// </summary>
internal sealed class BatchingCommand(BatchingConnection connection, DbCommand inner) : DbCommand
{
    private BatchingConnection? _connection = connection;
    private DbTransaction? _transaction;

    [AllowNull]
    public override string CommandText
    {
        get => inner.CommandText;
        set => inner.CommandText = value;
    }

    public override int CommandTimeout
    {
        get => inner.CommandTimeout;
        set => inner.CommandTimeout = value;
    }

    public override CommandType CommandType
    {
        get => inner.CommandType;
        set => inner.CommandType = value;
    }

    public override bool DesignTimeVisible
    {
        get => inner.DesignTimeVisible;
        set => inner.DesignTimeVisible = value;
    }

    public override UpdateRowSource UpdatedRowSource
    {
        get => inner.UpdatedRowSource;
        set => inner.UpdatedRowSource = value;
    }

    protected override DbConnection? DbConnection
    {
        get => _connection;
        set
        {
            _connection = value as BatchingConnection
                ?? (value is null ? null : throw new ArgumentException("A batching command runs on a batching connection.", nameof(value)));
            inner.Connection = _connection?.Inner;
        }
    }

    protected override DbParameterCollection DbParameterCollection => inner.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set
        {
            _transaction = value;
            inner.Transaction = value;
        }
    }

    /// <summary>Cancels the provider's command if it runs; a batched write, once in its batch, runs to the end.</summary>
    public override void Cancel()
    {
        if (_connection?.Inner.State == ConnectionState.Open) inner.Cancel();
    }

    protected override DbParameter CreateDbParameter() => inner.CreateParameter();

    public override void Prepare()
    {
        On().Opened();
        inner.Prepare();
    }

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
    {
        if (BatchingDataSource.Batchable(this)) return On().Batcher.Write(CommandText, Parameters, CancellationToken.None).GetAwaiter().GetResult();
        On().Opened();
        return inner.ExecuteReader(behavior);
    }

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        if (BatchingDataSource.Batchable(this)) return await On().Batcher.Write(CommandText, Parameters, cancellationToken).ConfigureAwait(false);
        await On().OpenedAsync(cancellationToken).ConfigureAwait(false);
        return await inner.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
    }

    public override int ExecuteNonQuery()
    {
        On().Opened();
        return inner.ExecuteNonQuery();
    }

    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
    {
        await On().OpenedAsync(cancellationToken).ConfigureAwait(false);
        return await inner.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override object? ExecuteScalar()
    {
        On().Opened();
        return inner.ExecuteScalar();
    }

    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
    {
        await On().OpenedAsync(cancellationToken).ConfigureAwait(false);
        return await inner.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private BatchingConnection On() => _connection ?? throw new InvalidOperationException("The command has no connection.");

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

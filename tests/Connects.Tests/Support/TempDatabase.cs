using Connects.Silo;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connects.Tests.Support;

/// <summary>A SQLite file of its own in a temp folder, migrated by the project's scripts.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase(bool migrate = true)
    {
        Folder = Path.Combine(Path.GetTempPath(), "connects-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Storage = new StorageSettings { SqlitePath = Path.Combine(Folder, "connects.db") };
        if (migrate) new DatabaseMigrator(Storage, NullLogger<DatabaseMigrator>.Instance).Migrate();
    }

    public string Folder { get; }
    public StorageSettings Storage { get; }
    public string Path_ => Storage.SqlitePath;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

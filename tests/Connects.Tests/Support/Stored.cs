using Connects.Grains;
using Connects.Domain;
using Connects.Tests.Faults;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Connects.Tests.Support;

/// <summary>Grain state as it is in the database (what survives a crash), not as an activation holds it.</summary>
public static class Stored
{
    public static Task<WalletState?> Wallet(IFaultCluster cluster, string freelancerId) => Read<WalletState>(cluster, "wallet", "freelancer:" + freelancerId);

    public static Task<JobState?> Job(IFaultCluster cluster, string jobId) => Read<JobState>(cluster, "job", "job:" + jobId);

    /// <summary>A receipt book row: the book of a year of cycles, or (no year) the one book wallets kept before books per year.</summary>
    public static Task<ReceiptBookState?> ReceiptBook(IFaultCluster cluster, string freelancerId, int? year = null) =>
        Read<ReceiptBookState>(cluster, "receipts", ReceiptBookKey(freelancerId, year));

    public static string ReceiptBookKey(string freelancerId, int? year = null) =>
        year is null ? "freelancer:" + freelancerId : $"freelancer:{freelancerId}/y{year}";

    /// <summary>The stored size of a grain state's row (its serialized payload), or null if it has none.</summary>
    public static async Task<int?> Bytes(IFaultCluster cluster, string state, string grainKey) => (await Payload(cluster, state, grainKey))?.Length;

    /// <summary>A grain state's row as stored: its version (what Orleans carries as the state's ETag) and its bytes.</summary>
    public sealed record StoredRow(long Version, byte[] Payload)
    {
        public bool Equals(StoredRow? other) => other is not null && Version == other.Version && Payload.AsSpan().SequenceEqual(other.Payload);
        public override int GetHashCode() => HashCode.Combine(Version, Payload.Length);
        public override string ToString() => $"version {Version}, {Payload.Length} bytes";
    }

    /// <summary>The row of a grain's state (a state name such as "wallet", a grain key such as "freelancer:ada").</summary>
    public static async Task<StoredRow?> Row(IFaultCluster cluster, string state, string grainKey)
    {
        await using var connection = cluster.Storage.CreateConnection();
        await connection.OpenAsync();
        await using var command = Select(connection, cluster, state, grainKey, "Version, PayloadBinary");
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new StoredRow(reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    private static async Task<T?> Read<T>(IFaultCluster cluster, string state, string grainKey)
    {
        var serializer = new OrleansGrainStorageSerializer(cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>());
        return await Payload(cluster, state, grainKey) is { } bytes ? serializer.Deserialize<T>(BinaryData.FromBytes(bytes)) : default;
    }

    private static async Task<byte[]?> Payload(IFaultCluster cluster, string state, string grainKey)
    {
        await using var connection = cluster.Storage.CreateConnection();
        await connection.OpenAsync();
        await using var command = Select(connection, cluster, state, grainKey, "PayloadBinary");
        return await command.ExecuteScalarAsync() as byte[];
    }

    private static System.Data.Common.DbCommand Select(System.Data.Common.DbConnection connection, IFaultCluster cluster, string state, string grainKey, string columns)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {columns} FROM OrleansStorage
            WHERE ServiceId = @service AND GrainTypeString = @state AND GrainIdExtension = @key AND PayloadBinary IS NOT NULL
            """;
        foreach (var (name, value) in new[] { ("service", cluster.Cluster.Options.ServiceId), ("state", state), ("key", grainKey) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}

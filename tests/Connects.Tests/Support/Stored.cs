using Connects.Domain;
using Connects.Grains;
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

    private static async Task<T?> Read<T>(IFaultCluster cluster, string state, string grainKey)
    {
        var serializer = new OrleansGrainStorageSerializer(cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>());
        return await Payload(cluster, state, grainKey) is { } bytes ? serializer.Deserialize<T>(BinaryData.FromBytes(bytes)) : default;
    }

    private static async Task<byte[]?> Payload(IFaultCluster cluster, string state, string grainKey)
    {
        await using var connection = cluster.Storage.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT PayloadBinary FROM OrleansStorage
            WHERE ServiceId = @service AND GrainTypeString = @state AND GrainIdExtension = @key AND PayloadBinary IS NOT NULL
            """;
        foreach (var (name, value) in new[] { ("service", cluster.Cluster.Options.ServiceId), ("state", state), ("key", grainKey) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return await command.ExecuteScalarAsync() as byte[];
    }
}

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

    private static async Task<T?> Read<T>(IFaultCluster cluster, string state, string grainKey)
    {
        var serializer = new OrleansGrainStorageSerializer(cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>());
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
        var payload = await command.ExecuteScalarAsync();
        return payload is byte[] bytes ? serializer.Deserialize<T>(BinaryData.FromBytes(bytes)) : default;
    }
}

using System.Diagnostics;
using Connects.Contracts;
using Connects.Domain;
using Connects.Silo;

namespace Connects.Bench;

/// <summary>
/// The bench-only host (not part of the product): the same <see cref="ConnectsHosting.AddConnectsSilo"/> wiring
/// and storage as the API, plus the three baseline endpoints and the S6 memory probe.
/// </summary>
public static class BaselineHost
{
    public static void Run(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning);
        builder.AddConnectsSilo();
        var app = builder.Build();
        app.MapConnectsHealth();

        app.MapGet("/baseline/plain", () => "ok");
        app.MapGet("/baseline/noop/{id}", async (string id, IGrainFactory grains) => Results.Text((await grains.GetGrain<INoOpGrain>(id).Ping()).ToString()));
        app.MapPost("/baseline/write/{id}", async (string id, IGrainFactory grains) => Results.Text((await grains.GetGrain<IOneWriteGrain>(id).Write()).ToString()));

        // B5 (for S5): `count` single durable writes on `count` distinct OneWriteGrain ids, `parallelism` at a time.
        // The grains are activated first (each activation reads its state), untimed: the answer times the writes alone.
        app.MapPost("/baseline/writes", async (string prefix, int count, int parallelism, IGrainFactory grains) =>
        {
            var ids = Enumerable.Range(0, count);
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
            var activation = Stopwatch.StartNew();
            await Parallel.ForEachAsync(ids, options, async (i, _) => await grains.GetGrain<IOneWriteGrain>($"{prefix}-{i}").Read());
            var activateSeconds = activation.Elapsed.TotalSeconds;
            var writes = Stopwatch.StartNew();
            await Parallel.ForEachAsync(ids, options, async (i, _) => await grains.GetGrain<IOneWriteGrain>($"{prefix}-{i}").Write());
            return Results.Ok(new BatchWrites(count, parallelism, writes.Elapsed.TotalSeconds, activateSeconds));
        });

        // S6: open `count` wallets (product WalletGrain, same storage) and leave them active and idle.
        app.MapPost("/bench/memory/wallets", async (string prefix, int count, IGrainFactory grains) =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 },
                async (i, _) => await grains.Wallet($"{prefix}-{i}").Open(Plan.Basic));
            return Results.Ok(count);
        });
        app.MapGet("/bench/memory", () =>
        {
            for (var i = 0; i < 3; i++) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            return Results.Ok(new MemoryProbe(heap, process.WorkingSet64));
        });
        app.Run();
    }
}

public sealed record MemoryProbe(long ManagedHeapBytes, long RssBytes);

public sealed record BatchWrites(int Count, int Parallelism, double Seconds, double ActivateSeconds);

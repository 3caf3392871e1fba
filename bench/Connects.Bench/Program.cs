using Connects.Bench;

// dotnet run -c Release --project bench/Connects.Bench -- --topology sqlite|postgresql|cluster --duration 10 --connections 32
//   [--scenarios B,S1,S2,S3,S4,S5,S6] [--open-fraction 0.7] [--refresh-wallets 100000] [--pg CONNECTION] ... (see bench/README.md)
// `baseline-host` (internal): this program as the bench-only baseline host, started by the orchestrator.
if (args.FirstOrDefault() == "baseline-host")
{
    BaselineHost.Run(args[1..]);
    return 0;
}
return await Orchestrator.RunAsync(args);

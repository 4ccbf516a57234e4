import type { ServiceSupervisor } from './service-supervisor.js';

/**
 * When each service starts: a pending service launches once every service it
 * depends on serves, and when one fails for good, every pending service that
 * depends on it, directly or not, is blocked. Counts the services whose
 * startup has not settled yet, so the server knows when it is `running`.
 */
export class StartScheduler {
  #unsettled = 0;

  constructor(private readonly supervisors: ReadonlyMap<string, ServiceSupervisor>) {}

  /** True while some service has not yet left `pending`/`starting` for the first time. */
  get settling(): boolean {
    return this.#unsettled > 0;
  }

  /** Every service begins waiting on its dependencies; those that wait on nothing launch. */
  begin(): void {
    this.#unsettled = this.supervisors.size;
    for (const supervisor of this.supervisors.values()) supervisor.begin();
    this.launchReady();
  }

  /** One service's startup settled; true when that was the last. */
  settled(): boolean {
    this.#unsettled--;
    return this.#unsettled === 0;
  }

  /** Start every pending service whose dependencies all serve. */
  launchReady(): void {
    for (const supervisor of this.supervisors.values()) {
      if (supervisor.state !== 'pending') continue;
      const deps = [...supervisor.dependencies].map((d) => this.supervisors.get(d));
      if (deps.every((d) => d?.serving)) supervisor.launch();
    }
  }

  /** Mark every pending service that depends, directly or not, on `failed` as blocked (no recursion: chains may be long). */
  blockDependentsOf(failed: string): void {
    const dependents = new Map<string, ServiceSupervisor[]>();
    for (const supervisor of this.supervisors.values()) {
      for (const dependency of supervisor.dependencies) {
        const list = dependents.get(dependency);
        if (list) list.push(supervisor);
        else dependents.set(dependency, [supervisor]);
      }
    }
    const causes = [failed];
    for (let cause = causes.pop(); cause !== undefined; cause = causes.pop()) {
      const blocked = (dependents.get(cause) ?? []).filter((s) => s.state === 'pending');
      for (const supervisor of blocked) supervisor.block(`dependency "${cause}" failed`);
      causes.push(...blocked.map((s) => s.name).reverse());
    }
  }
}

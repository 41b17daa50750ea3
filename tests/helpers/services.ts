import { type AppServices, defineFeature } from '../../src/core/app/feature.ts';

// A feature that only hands the app's services to the test (to call email.send, say).
export function captureServices() {
  const captured: { services?: AppServices } = {};
  const feature = defineFeature({
    name: 'capture-services',
    routes(_router, services) {
      captured.services = services;
    },
  });
  return {
    feature,
    get services() {
      if (!captured.services) throw new Error('the app has not registered its features yet');
      return captured.services;
    },
  };
}

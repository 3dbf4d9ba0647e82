import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { useAppStore } from './stores/app.ts';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
app.config.errorHandler = (err) => {
  // A bug in a view must not blank the window: show it as one line and keep going.
  useAppStore().fail('Unexpected error', err);
  console.error(err);
};
app.mount('#app');
void useAppStore().start();
